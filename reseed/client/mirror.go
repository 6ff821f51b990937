package client

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// A MirrorEntry describes one bundle kept in a mirror directory.
type MirrorEntry struct {
	Server      string    `json:"server"`
	Fetched     time.Time `json:"fetched"`
	Signer      string    `json:"signer"`
	Version     string    `json:"version"`
	RouterInfos int       `json:"routerinfos"`
	SHA256      string    `json:"sha256"`
	File        string    `json:"file"`
}

// ManifestName is the mirror's index file.
const ManifestName = "manifest.json"

// SaveMirror keeps every verified bundle of res in dir exactly as received,
// the RouterInfos unpacked into dir/netDb (so `serve --netdb dir/netDb`
// ErrNoBundle means no server gave a bundle that verified.
var ErrNoBundle = errors.New("reseed: no server gave a valid bundle")

// Mirror fetches a bundle from every server of cfg (not stopping at
// enough RouterInfos), verifies each as Bootstrap does and keeps them in
// dir (SaveMirror). The Result says how each server did, also on error.
func Mirror(ctx context.Context, cfg Config, dir string, now time.Time) (*Result, []MirrorEntry, error) {
	cfg.SetDefaults()
	cfg.MinServers, cfg.MinRouters = len(cfg.URLs)+1, 1<<30 // try every server
	res, _ := Bootstrap(ctx, cfg, nil)
	if res.Succeeded() == 0 {
		return res, nil, ErrNoBundle
	}
	entries, err := SaveMirror(ctx, dir, res, now)
	return res, entries, err
}

// serves the mirror), and a manifest. Files are written atomically.
func SaveMirror(ctx context.Context, dir string, res *Result, fetched time.Time) ([]MirrorEntry, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var entries []MirrorEntry
	for _, s := range res.Servers {
		if s.Err != nil {
			continue
		}
		sum := sha256.Sum256(s.Bundle)
		name := mirrorFileName(s.URL, s.Version)
		if err := atomicfile.WriteFile(filepath.Join(dir, name), s.Bundle, 0o644); err != nil {
			return nil, err
		}
		entries = append(entries, MirrorEntry{Server: s.URL, Fetched: fetched.UTC(), Signer: s.Signer, Version: s.Version,
			RouterInfos: s.Accepted, SHA256: hex.EncodeToString(sum[:]), File: name})
	}
	if _, err := WriteNetDb(ctx, filepath.Join(dir, "netDb"), res.Routers); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(entries, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(dir, ManifestName), append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	return entries, nil
}

func mirrorFileName(server, version string) string {
	host := server
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		host = u.Host
	}
	host = strings.NewReplacer(":", "_", "/", "_").Replace(host)
	return host + "-" + version + ".su3"
}

// Export combines the freshest RouterInfos of a mirror's netDb (at most
// 250, the most any client accepts) into one bundle: a zip, or an su3
// signed by signer when signer is not nil.
func Export(ctx context.Context, mirrorDir string, signer *su3.Signer, now time.Time) ([]byte, int, error) {
	src, err := netdb.OpenStore(ctx, filepath.Join(mirrorDir, "netDb"))
	if err != nil {
		return nil, 0, err
	}
	all, err := src.Entries(ctx)
	if err != nil {
		return nil, 0, err
	}
	var es []*netdb.Entry
	for _, e := range all {
		if e.SigOK {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *netdb.Entry) int { return cmp.Compare(b.PublishedMs, a.PublishedMs) })
	es = es[:min(len(es), su3.DefaultBundleLimits.MaxEntries)]
	if len(es) == 0 {
		return nil, 0, fmt.Errorf("reseed: mirror %s has no RouterInfos", mirrorDir)
	}
	var entries []su3.Entry
	for _, e := range es {
		b, err := src.Load(e)
		if err != nil {
			continue
		}
		entries = append(entries, su3.Entry{Name: e.Hash.FileName(), Data: b, Modified: e.Published()}) // dated as Java's bundler does
	}
	var zip bytes.Buffer
	if err := su3.WriteBundle(&zip, entries, now); err != nil {
		return nil, 0, err
	}
	if signer == nil {
		return zip.Bytes(), len(entries), nil
	}
	b, err := su3.Sign(su3.Header{FileType: su3.FileZip, ContentType: su3.ContentReseed, Version: fmt.Sprint(now.Unix())}, zip.Bytes(), signer)
	return b, len(entries), err
}
