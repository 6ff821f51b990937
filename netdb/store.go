package netdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
)

// Skip says why a file in a netDb directory was not taken.
type Skip uint8

const (
	SkipUnreadable Skip = iota // could not be read
	SkipMalformed              // does not parse as a RouterInfo
	SkipName                   // name is not routerInfo-<hash>.dat of its content
	SkipDuplicate              // same router as another file, older
	numSkips
)

func (s Skip) String() string {
	return [...]string{"unreadable", "malformed", "name", "duplicate"}[s]
}

// maxFileSize bounds what a scan reads; RouterInfos are a few KB.
const maxFileSize = 64 << 10

// An Index is the result of scanning a netDb directory.
type Index struct {
	Dir     string
	Entries map[Hash]*Entry
	Skipped [numSkips]int
	// Read is how many files this scan parsed and verified; Reused how many
	// it took unchanged from the previous Index.
	Read, Reused int

	files map[string]fileState // by path, for the next incremental scan
}

type fileState struct {
	size    int64
	modTime time.Time
	entry   *Entry // nil if skipped
	skip    Skip
	ri      *RouterInfo // kept parsed: floodfills (Store.Floodfills)
	gen     uint64      // Store: when Put wrote it or it was removed
	removed bool        // Store: a tombstone
}

// Layout is where RouterInfo files live below a directory.
type Layout uint8

const (
	// LayoutNetDb is Java I2P's and i2pd's netDb/r<c>/routerInfo-<hash>.dat.
	LayoutNetDb Layout = iota
	// LayoutFlat is routerInfo-<hash>.dat files directly in the directory.
	LayoutFlat
)

// Scan reads every RouterInfo below dir: dir/netDb/r?/, dir/r?/ and dir
// itself. Files unchanged since prev (same size and modification time) are
// not read again. Parsing and signature checks use every CPU. Unreadable,
// malformed and misnamed files are skipped and counted. Only a failure to
// read dir itself is an error.
func Scan(ctx context.Context, dir string, prev *Index) (*Index, error) {
	var prevFiles map[string]fileState
	if prev != nil {
		prevFiles = prev.files
	}
	return scan(ctx, dir, prevFiles)
}

func scan(ctx context.Context, dir string, prevFiles map[string]fileState) (*Index, error) {
	root := dir
	if fi, err := os.Stat(filepath.Join(dir, "netDb")); err == nil && fi.IsDir() {
		root = filepath.Join(dir, "netDb")
	}
	paths, err := listFiles(root)
	if err != nil {
		return nil, fmt.Errorf("netdb: scan %s: %w", dir, err)
	}
	states, read := readAll(ctx, paths, prevFiles)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	idx := &Index{Dir: dir, Entries: make(map[Hash]*Entry, len(paths)), files: make(map[string]fileState, len(paths))}
	idx.Read, idx.Reused = read, len(paths)-read
	for i, st := range states {
		idx.files[paths[i]] = st
		idx.add(st)
	}
	return idx, nil
}

// rebuild recomputes Entries and Skipped from files.
func (idx *Index) rebuild() {
	idx.Entries = make(map[Hash]*Entry, len(idx.files))
	idx.Skipped = [numSkips]int{}
	for _, st := range idx.files {
		if !st.removed {
			idx.add(st)
		}
	}
}

func (idx *Index) add(st fileState) {
	if st.entry == nil {
		idx.Skipped[st.skip]++
		return
	}
	e := st.entry
	if old, ok := idx.Entries[e.Hash]; ok {
		idx.Skipped[SkipDuplicate]++
		if old.PublishedMs >= e.PublishedMs {
			return
		}
	}
	idx.Entries[e.Hash] = e
}

// listFiles finds routerInfo-*.dat in root and its r? subdirectories. It
// does not stat them: the workers do, in parallel, which matters on a cold
// disk cache.
func listFiles(root string) ([]string, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []string
	collect := func(dir string, ents []fs.DirEntry) {
		for _, e := range ents {
			name := e.Name()
			if !e.IsDir() && strings.HasPrefix(name, "routerInfo-") && strings.HasSuffix(name, ".dat") {
				out = append(out, filepath.Join(dir, name))
			}
		}
	}
	collect(root, ents)
	for _, e := range ents {
		if e.IsDir() && len(e.Name()) == 2 && e.Name()[0] == 'r' {
			sub := filepath.Join(root, e.Name())
			if subEnts, err := os.ReadDir(sub); err == nil {
				collect(sub, subEnts)
			}
		}
	}
	return out, nil
}

// readAll stats every path and reads, parses and verifies those not
// unchanged since prev, on several workers per CPU. It returns the states in
// path order and how many files it read.
func readAll(ctx context.Context, paths []string, prev map[string]fileState) ([]fileState, int) {
	out := make([]fileState, len(paths))
	// More workers than CPUs: a cold scan waits on the disk as much as it
	// verifies signatures.
	workers := min(4*runtime.GOMAXPROCS(0), max(1, len(paths)))
	var wg sync.WaitGroup
	var read atomic.Int64
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			buf := make([]byte, maxFileSize+1)
			for i := range next {
				p := paths[i]
				if st, ok := prev[p]; ok {
					if fi, err := os.Stat(p); err == nil && fi.Size() == st.size && fi.ModTime().Equal(st.modTime) {
						out[i] = st
						continue
					}
				}
				read.Add(1)
				out[i] = readOne(p, buf)
			}
		})
	}
	for i := range paths {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return out, int(read.Load())
}

func readOne(path string, buf []byte) fileState {
	f, err := os.Open(path)
	if err != nil {
		return fileState{skip: SkipUnreadable}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileState{skip: SkipUnreadable}
	}
	st := fileState{size: fi.Size(), modTime: fi.ModTime()}
	n, err := readFull(f, buf)
	if err != nil || n > maxFileSize {
		st.skip = SkipUnreadable
		return st
	}
	ri, err := ParseRouterInfo(bytes.Clone(buf[:n]))
	if err != nil {
		st.skip = SkipMalformed
		return st
	}
	if ri.Hash().FileName() != filepath.Base(path) {
		st.skip = SkipName
		return st
	}
	e := Summarize(ri)
	e.Path = path
	st.entry = e
	if e.Floodfill() && e.SigOK {
		st.ri = ri
	}
	return st
}

func readFull(f *os.File, buf []byte) (int, error) {
	n, err := io.ReadFull(f, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// filePath is where router h lives in the netDb directory dir.
func filePath(dir string, h Hash) string {
	name := h.FileName()
	return filepath.Join(dir, "r"+name[len("routerInfo-"):len("routerInfo-")+1], name)
}

// Write stores ri in the netDb directory dir as r<c>/routerInfo-<hash>.dat,
// atomically, with the file's modification time set to the published time.
func Write(dir string, ri *RouterInfo) (string, error) {
	path := filePath(dir, ri.Hash())
	name := filepath.Base(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("netdb: %w", err)
	}
	if err := atomicfile.WriteFile(path, ri.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("netdb: write %s: %w", name, err)
	}
	pub := ri.PublishedTime()
	if err := os.Chtimes(path, pub, pub); err != nil {
		return "", fmt.Errorf("netdb: %w", err)
	}
	return path, nil
}
