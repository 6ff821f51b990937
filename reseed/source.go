package reseed

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/i2pseed/i2pseed/netdb"
)

// A Source supplies RouterInfos: a netDb directory, or later the built-in
// router.
type Source interface {
	// Entries returns summaries of the RouterInfos the source has now.
	Entries(ctx context.Context) ([]*netdb.Entry, error)
	// Load returns the encoded RouterInfo e summarizes, checked again.
	Load(e *netdb.Entry) ([]byte, error)
}

// DirSource reads a netDb directory (Java I2P or i2pd layout, or flat),
// rescanning incrementally on every call to Entries.
type DirSource struct {
	Dir string

	mu  sync.Mutex
	idx *netdb.Index
}

var _ Source = (*DirSource)(nil)

// Entries rescans the directory; unchanged files are not read again.
func (s *DirSource) Entries(ctx context.Context) ([]*netdb.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	idx, err := netdb.Scan(ctx, s.Dir, s.idx)
	if err != nil {
		return nil, err
	}
	s.idx = idx
	out := make([]*netdb.Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		out = append(out, e)
	}
	return out, nil
}

// Load reads e's file and checks it still holds the same, validly signed
// router: the file may have changed since the scan.
func (s *DirSource) Load(e *netdb.Entry) ([]byte, error) {
	b, err := os.ReadFile(e.Path)
	if err != nil {
		return nil, err
	}
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	if ri.Hash() != e.Hash || ri.Published != e.PublishedMs {
		return nil, fmt.Errorf("%s: changed since the scan", e.Path)
	}
	if err := ri.Verify(); err != nil {
		return nil, fmt.Errorf("%s: %w", e.Path, err)
	}
	return b, nil
}
