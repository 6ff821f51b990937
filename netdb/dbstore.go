package netdb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"sync"
	"time"
)

// A Store owns one netDb directory in the layout Java I2P and i2pd use
// (dir/r<c>/routerInfo-<hash>.dat; reading also takes dir/netDb/r?/ and
// flat files). It keeps a summary of every RouterInfo in memory, so each
// file is parsed and its signature checked once per change: Put records
// what it wrote, Entries rescans only files that changed behind its back,
// Load re-reads a file's bytes without checking them again while the file
// is the one summarized. Floodfills stay parsed in memory. Safe for
// concurrent use; while a file is written and synced only another write
// of the same router waits.
type Store struct {
	dir string

	scanMu sync.Mutex // one rescan at a time

	mu  sync.Mutex
	gen uint64 // bumped by every Put, removal and rescan
	idx *Index // its files (with tombstones of removed ones) and entries

	// Writes and removals of one file are serialized (newer wins on
	// disk); nothing else waits for them.
	writing map[string]*fileLock
}

type fileLock struct {
	sync.Mutex
	n int // holders and waiters
}

// lockFile serializes the writes and removals of path and returns the
// unlock.
func (s *Store) lockFile(path string) func() {
	s.mu.Lock()
	l := s.writing[path]
	if l == nil {
		l = &fileLock{}
		s.writing[path] = l
	}
	l.n++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.n--; l.n == 0 {
			delete(s.writing, path)
		}
		s.mu.Unlock()
	}
}

// OpenStore opens (creating it if needed) the netDb directory dir and
// reads every RouterInfo in it.
func OpenStore(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("netdb: %w", err)
	}
	s := &Store{dir: dir, idx: &Index{Dir: dir, Entries: map[Hash]*Entry{}, files: map[string]fileState{}},
		writing: map[string]*fileLock{}}
	if _, err := s.Entries(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Put stores ri, whose signature the caller has verified (ri.Verify()),
// atomically as r<c>/routerInfo-<hash>.dat with the file's modification
// time set to its published time, unless the store holds the same router
// published as recently. It reports whether ri was stored.
func (s *Store) Put(ri *RouterInfo) (bool, error) {
	if err := ri.Verify(); err != nil { // free for a verified ri
		return false, err
	}
	h := ri.Hash()
	defer s.lockFile(filePath(s.dir, h))()
	if e := s.entry(h); e != nil && e.PublishedMs >= ri.Published {
		return false, nil
	}
	path, err := Write(s.dir, ri)
	if err != nil {
		return false, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false, fmt.Errorf("netdb: %w", err)
	}
	e := Summarize(ri)
	e.Path = path
	st := fileState{size: fi.Size(), modTime: fi.ModTime(), entry: e}
	if e.Floodfill() {
		st.ri = ri
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	st.gen = s.gen
	s.idx.files[path] = st
	s.idx.add(st)
	return true, nil
}

func (s *Store) entry(h Hash) *Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.idx.Entries[h]
}

// Entry is the summary of router h's RouterInfo, as Entries last saw it.
func (s *Store) Entry(h Hash) (*Entry, bool) {
	e := s.entry(h)
	return e, e != nil
}

// Has reports whether the store holds a RouterInfo of router h.
func (s *Store) Has(h Hash) bool { return s.entry(h) != nil }

// Len is how many routers the store holds.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.idx.Entries)
}

// Entries rescans the directory (files unchanged since they were read or
// written are not read again) and returns a summary of each router, the
// newest file of each. Files that do not hold a RouterInfo under their
// own name are skipped (Index's counts).
func (s *Store) Entries(ctx context.Context) ([]*Entry, error) {
	if err := s.rescan(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Entry, 0, len(s.idx.Entries))
	for _, e := range s.idx.Entries {
		out = append(out, e)
	}
	return out, nil
}

// rescan reads what changed in the directory since the last scan; the
// store's lock is not held while it reads.
func (s *Store) rescan(ctx context.Context) error {
	s.scanMu.Lock()
	defer s.scanMu.Unlock()
	s.mu.Lock()
	prev, gen := maps.Clone(s.idx.files), s.gen
	s.mu.Unlock()
	idx, err := scan(ctx, s.dir, prev)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// What Put wrote or a removal removed during the scan wins over what
	// the scan saw; older tombstones are dropped.
	changed := false
	for p, st := range s.idx.files {
		switch {
		case st.gen <= gen:
			continue
		case st.removed:
			delete(idx.files, p)
		default:
			idx.files[p] = st
		}
		changed = true
	}
	if changed {
		idx.rebuild()
	}
	s.gen++
	s.idx = idx
	return nil
}

// Load returns the RouterInfo e summarizes. While its file is the one
// summarized (same size and modification time) the bytes are not parsed or
// checked again; a file that changed since is checked in full.
func (s *Store) Load(e *Entry) ([]byte, error) {
	f, err := os.Open(e.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > maxFileSize {
		return nil, fmt.Errorf("%s: %d bytes", e.Path, fi.Size())
	}
	b := make([]byte, fi.Size())
	if _, err := readFull(f, b); err != nil {
		return nil, err
	}
	s.mu.Lock()
	st, ok := s.idx.files[e.Path]
	s.mu.Unlock()
	if ok && !st.removed && st.entry == e && st.size == fi.Size() && st.modTime.Equal(fi.ModTime()) && int64(len(b)) == st.size {
		return b, nil
	}
	ri, err := ParseRouterInfo(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	if ri.Hash() != e.Hash || ri.Published != e.PublishedMs {
		return nil, fmt.Errorf("%s: changed since it was read", e.Path)
	}
	if err := ri.Verify(); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return b, nil
}

// Expire removes every RouterInfo published before cutoff, and every one
// whose signature does not verify, and returns how many it removed.
func (s *Store) Expire(ctx context.Context, cutoff time.Time) (int, error) {
	if err := s.rescan(ctx); err != nil {
		return 0, err
	}
	s.mu.Lock()
	old := map[string]fileState{}
	for p, st := range s.idx.files {
		if e := st.entry; e != nil && !st.removed && (e.Published().Before(cutoff) || !e.SigOK) {
			old[p] = st
		}
	}
	s.mu.Unlock()
	return s.removeAll(old)
}

// Prune is Expire that also removes the files that hold no RouterInfo
// under their own name (malformed or misnamed); unreadable files and older
// duplicates are left. It returns how many files it removed.
func (s *Store) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	n, err := s.Expire(ctx, cutoff)
	if err != nil {
		return n, err
	}
	s.mu.Lock()
	bad := map[string]fileState{}
	for p, st := range s.idx.files {
		if st.entry == nil && !st.removed && (st.skip == SkipMalformed || st.skip == SkipName) {
			bad[p] = st
		}
	}
	s.mu.Unlock()
	m, err := s.removeAll(bad)
	return n + m, err
}

// Prune opens the netDb directory dir and prunes it as Store.Prune does
// (i2pseed netdb check --prune).
func Prune(ctx context.Context, dir string, cutoff time.Time) (int, error) {
	s, err := OpenStore(ctx, dir)
	if err != nil {
		return 0, err
	}
	return s.Prune(ctx, cutoff)
}

// removeAll deletes the files whose state is still the one given (a Put
// since wins), then forgets them at once.
func (s *Store) removeAll(files map[string]fileState) (int, error) {
	var errs []error
	var gone []string
	for p, st := range files {
		unlock := s.lockFile(p)
		s.mu.Lock()
		cur := s.idx.files[p]
		s.mu.Unlock()
		if cur.gen != st.gen || cur.removed {
			unlock()
			continue
		}
		err := os.Remove(p)
		unlock()
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("netdb: %w", err))
			continue
		}
		gone = append(gone, p)
	}
	if len(gone) > 0 {
		s.mu.Lock()
		s.gen++
		for _, p := range gone {
			s.idx.files[p] = fileState{removed: true, gen: s.gen}
		}
		s.idx.rebuild()
		s.mu.Unlock()
	}
	return len(gone), errors.Join(errs...)
}

// Floodfills returns the floodfills of network netID the store holds,
// parsed (they stay in memory).
func (s *Store) Floodfills(netID NetID) []*RouterInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*RouterInfo
	for _, e := range s.idx.Entries {
		if !e.Floodfill() || !netID.Matches(e.NetID) || !e.SigOK {
			continue
		}
		if st := s.idx.files[e.Path]; st.ri != nil {
			out = append(out, st.ri)
		}
	}
	return out
}
