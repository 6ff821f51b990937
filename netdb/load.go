package netdb

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
)

// LoadRouterInfos reads the RouterInfos whose signatures verify from path:
// a netDb directory (as Scan reads it, skipping the files it skips) or one
// RouterInfo file, such as i2pd's router.info, which must verify. A
// directory without any is no error: the result is empty. They come in
// the order of their hashes.
func LoadRouterInfos(ctx context.Context, path string) ([]*RouterInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("netdb: %w", err)
	}
	if !fi.IsDir() {
		ri, err := readRouterInfo(path)
		if err != nil {
			return nil, err
		}
		return []*RouterInfo{ri}, nil
	}
	idx, err := Scan(ctx, path, nil)
	if err != nil {
		return nil, err
	}
	entries := slices.SortedFunc(maps.Values(idx.Entries), byHash)
	out := make([]*RouterInfo, 0, len(entries))
	for _, e := range entries {
		if !e.SigOK {
			continue
		}
		// A file that changed since the scan is read as it is now.
		if ri, err := readRouterInfo(e.Path); err == nil {
			out = append(out, ri)
		}
	}
	return out, nil
}

// readRouterInfo reads the RouterInfo file path and verifies it.
func readRouterInfo(path string) (*RouterInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("netdb: %w", err)
	}
	ri, err := ParseRouterInfo(b)
	if err != nil {
		return nil, err
	}
	if err := ri.Verify(); err != nil {
		return nil, err
	}
	return ri, nil
}
