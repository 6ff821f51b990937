package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/pebbletest"
)

// startServe runs `i2pseed serve` on a synthetic netDb until ctx is done;
// it returns the listen address, the exit status channel and the log.
// The data dir is shared by the test's runs (one signer key to make).
func startServe(t *testing.T, ctx context.Context, data string, extra ...string) (string, <-chan int, *syncWriter) {
	t.Helper()
	nd := filepath.Join(t.TempDir(), "netDb")
	synthNetDb(t, 120, false, nd)
	listen := fmt.Sprintf("127.0.0.1:%d", pebbletest.FreePort(t))
	stderr := &syncWriter{w: &bytes.Buffer{}}
	done := make(chan int, 1)
	args := append([]string{"serve", "--netdb", nd, "--signer", "drain@mail.i2p", "--data-dir", data,
		"--listen", listen, "--host", "127.0.0.1"}, extra...)
	go func() { done <- runContext(ctx, args, io.Discard, stderr) }()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	waitHealthy(t, client, listen, done, stderr, time.Minute)
	return listen, done, stderr
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.(*bytes.Buffer).String()
}

// A download is what a slow client got.
type download struct {
	proto string
	n     int
	err   error
}

// slowDownload fetches a bundle over HTTP/2 with a 1 KB flow-control
// window, reading chunk bytes every 50 ms: a slow client, whatever the
// socket buffers. started is closed once the response has begun.
func slowDownload(listen string, chunk int, started chan<- struct{}) <-chan download {
	res := make(chan download, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true,
			HTTP2: &http.HTTP2Config{MaxReceiveBufferPerStream: 1024, MaxReceiveBufferPerConnection: 65535},
		}}
		req, _ := http.NewRequest(http.MethodGet, "https://"+listen+"/i2pseeds.su3", nil)
		req.Header.Set("User-Agent", "Wget/1.11.4")
		resp, err := client.Do(req)
		close(started)
		if err != nil {
			res <- download{err: err}
			return
		}
		defer resp.Body.Close()
		d := download{proto: resp.Proto}
		if resp.StatusCode != http.StatusOK {
			d.err = fmt.Errorf("status %s", resp.Status)
			res <- d
			return
		}
		buf := make([]byte, chunk)
		for {
			time.Sleep(50 * time.Millisecond)
			n, err := io.ReadFull(resp.Body, buf)
			d.n += n
			if err == io.EOF || err == io.ErrUnexpectedEOF && resp.ContentLength == int64(d.n) {
				break
			}
			if err != nil {
				d.err = err
				break
			}
		}
		if resp.ContentLength != int64(d.n) && d.err == nil {
			d.err = fmt.Errorf("got %d of %d bytes", d.n, resp.ContentLength)
		}
		res <- d
	}()
	return res
}

// TestServeDrain: on cancel (as on SIGTERM) serve lets a slow client
// finish within --drain and exits 0; a client still there when --drain
// passes is cut, and serve still exits 0, saying how many it cut.
func TestServeDrain(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")

	t.Run("finishes", func(t *testing.T) { drainFinishes(t, data) })
	t.Run("cut", func(t *testing.T) { drainCuts(t, data) })
	t.Run("negative", func(t *testing.T) {
		var stderr bytes.Buffer
		code := runContext(context.Background(), []string{"serve", "--netdb", t.TempDir(), "--signer", "drain@mail.i2p",
			"--data-dir", data, "--drain", "-1s"}, io.Discard, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), "--drain -1s") {
			t.Errorf("--drain -1s: exit %d, %q; want 2 naming --drain", code, stderr.String())
		}
	})
}

// drainFinishes: a slow client finishes within --drain 30s.
func drainFinishes(t *testing.T, data string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listen, done, stderr := startServe(t, ctx, data, "--drain", "30s")
	started := make(chan struct{})
	got := slowDownload(listen, 4<<10, started) // a bundle in a few seconds
	<-started
	time.Sleep(200 * time.Millisecond)
	cancel()
	var d download
	select {
	case d = <-got:
	case <-time.After(25 * time.Second):
		t.Fatal("the slow download did not finish")
	}
	if d.err != nil || d.proto != "HTTP/2.0" {
		t.Fatalf("slow download over %s while serve drained: %d bytes, %v\n%s", d.proto, d.n, d.err, stderr.String())
	}
	waitExit0(t, done, stderr, 10*time.Second, "after draining")
	if log := stderr.String(); !strings.Contains(log, "msg=drained") || strings.Contains(log, "drain limit passed") {
		t.Errorf("log does not say it drained:\n%s", log)
	}
}

// drainCuts: a client still there when --drain 1s passes is cut.
func drainCuts(t *testing.T, data string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	listen, done, stderr := startServe(t, ctx, data, "--drain", "1s")
	started := make(chan struct{})
	got := slowDownload(listen, 64, started) // a bundle in over a minute
	<-started
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	cancel()
	waitExit0(t, done, stderr, 15*time.Second, "after cutting a slow client (--drain 1s)")
	if took := time.Since(start); took < time.Second || took > 8*time.Second {
		t.Errorf("serve took %v to stop with --drain 1s", took)
	}
	if log := stderr.String(); !strings.Contains(log, "drain limit passed") || !strings.Contains(log, "closed=1 ") {
		t.Errorf("log does not say one connection was cut:\n%s", log)
	}
	select {
	case d := <-got:
		if d.err == nil {
			t.Errorf("the cut download completed (%d bytes)", d.n)
		}
	case <-time.After(10 * time.Second):
		t.Error("the cut download still runs")
	}
}
