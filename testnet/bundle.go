package testnet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/i2pseed/i2pseed/certs"
	"github.com/i2pseed/i2pseed/internal/atomicfile"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/su3"
)

// Reseed bundles of the network: signed by the test signer for its
// routers (writeBundle), fetched from a server as a router would
// (fetchBundle).

// writeBundle signs ris as a reseed bundle at path.
func writeBundle(path string, ris []*netdb.RouterInfo, signer *su3.Signer) error {
	var entries []su3.Entry
	for _, ri := range ris {
		entries = append(entries, su3.Entry{Name: ri.Hash().FileName(), Data: ri.Bytes(), Modified: ri.PublishedTime()})
	}
	var z bytes.Buffer
	if err := su3.WriteBundle(&z, entries, time.Now()); err != nil {
		return err
	}
	b, err := su3.Sign(su3.Header{ContentType: su3.ContentReseed, Version: strconv.FormatInt(time.Now().Unix(), 10)}, z.Bytes(), signer)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// fetchBundle downloads a bundle from srv as a router would (its
// User-Agent, its netId), verifies it against the network's signer and
// returns its RouterInfos.
func (st *State) fetchBundle(ctx context.Context, srv *ServerState) ([]*netdb.RouterInfo, error) {
	kr := certs.NewKeyring()
	if _, err := kr.LoadDir(filepath.Join(st.Server.CertsDir, "reseed")); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"i2pseeds.su3?netid="+st.netID().String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "Wget/1.11.4") // Java I2P's and i2pd's
	resp, err := st.HTTPClient().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("testnet: bundle: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	r, err := su3.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	entries, err := r.VerifyBundle(kr, nil)
	if err != nil {
		return nil, err
	}
	ris := make([]*netdb.RouterInfo, 0, len(entries))
	for _, e := range entries {
		ri, err := netdb.ParseRouterInfo(e.Data)
		if err != nil {
			return nil, fmt.Errorf("testnet: bundle entry %s: %w", e.Name, err)
		}
		ris = append(ris, ri)
	}
	return ris, nil
}
