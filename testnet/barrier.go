package testnet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/i2pseed/i2pseed/certs"
)

// A startBarrier serves the initial bundle over HTTPS (i2pd's
// --reseed.file takes an https URL, and its reseeder does not check the
// certificate) to i2pd routers starting at once, answering none until all
// have asked. i2pd reseeds before its transports listen, so every router
// then listens within moments of the others.
//
// Without it, a router that dials one not yet listening marks it
// unreachable (i2pd 2.58: for 8 minutes, in its profile) and leaves it
// out of every lookup and exploration reply meanwhile: measured, a router
// started 8 s after the others was never handed out by the first. Under
// load, starting five i2pd processes one after another can take that long.
//
// It is opt-in (RoutersConfig.SyncStart, Config.SyncStart; the router
// package's harvest tests and TestRaceSSU2 use it). It was turned on
// everywhere once, and TestI2PChannelOverTestnet failed in that CI run;
// the same failure came back later without the barrier, and its cause is
// i2pd 2.45.1 not publishing a LeaseSet (see that test's leaseSetWait).
// The other networks were left as they were measured.
//
// Networks with Java routers start as before: a JVM listens 5-20 s after
// its start whatever the i2pd routers do, and measured with the barrier,
// TestWholeChain's network came up in 4m03-5m06 and once not within its 6
// minutes (without: 4m03-4m35).
type startBarrier struct {
	bundle string // the initial bundle's path
	n      int    // routers to wait for
	url    string
	srv    *http.Server

	mu      sync.Mutex
	arrived int
	open    chan struct{}
}

// barrierWait bounds how long the first router waits for the others; past
// it the bundle is served anyway (a router that never asks must not hang
// the rest).
const barrierWait = 90 * time.Second

// newStartBarrier listens on ns's address for n routers' requests for
// bundle.
func newStartBarrier(ns *NetNS, bundle string, n int) (*startBarrier, error) {
	c, err := certs.GenerateTLS([]string{ns.Addr}, time.Now(), nil)
	if err != nil {
		return nil, err
	}
	ln, err := ns.Listen(net.JoinHostPort(ns.Addr, "0"))
	if err != nil {
		return nil, fmt.Errorf("testnet: start barrier: %w", err)
	}
	b := &startBarrier{bundle: bundle, n: n, open: make(chan struct{}),
		url: "https://" + ln.Addr().String() + "/i2pseeds.su3"}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}}}}
	go func() { _ = b.srv.ServeTLS(ln, "", "") }()
	return b, nil
}

// ServeHTTP holds each request until every router has asked (or
// barrierWait has passed), then sends the bundle.
func (b *startBarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-time.After(barrierWait):
	case <-r.Context().Done():
		return
	}
	data, err := os.ReadFile(b.bundle)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// Close stops serving; a router restarted later reseeds from the file.
func (b *startBarrier) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return b.srv.Close()
	}
	return err
}
