// Command load measures a reseed server the way real clients use it: every
// request on a new TLS connection, User-Agent Wget/1.11.4, whole body read.
//
//	go run ./bench/load -url https://127.0.0.1:8443/i2pseeds.su3 -c 16 -d 10s
//
// It prints requests per second, latency percentiles, bytes and statuses.
// Only point it at your own server on loopback.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "https://127.0.0.1:8443/i2pseeds.su3", "bundle URL (loopback only)")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 10*time.Second, "duration")
	reuse := flag.Bool("keepalive", false, "reuse connections (real clients do not)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	status := map[int]int{}
	var bytes int64
	errs := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range *conc {
		wg.Go(func() {
			tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: !*reuse, ForceAttemptHTTP2: false}
			c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
				req.Header.Set("User-Agent", "Wget/1.11.4")
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						mu.Lock()
						errs++
						mu.Unlock()
					}
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				status[resp.StatusCode]++
				bytes += n
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		fmt.Fprintln(os.Stderr, "load: no responses")
		os.Exit(1)
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("c=%d  %d requests in %.1fs  %.0f req/s  p50 %v  p99 %v  max %v  %.1f MB/s  status %v  errors %d\n",
		*conc, len(lat), elapsed.Seconds(), float64(len(lat))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond),
		float64(bytes)/elapsed.Seconds()/1e6, status, errs)
}
