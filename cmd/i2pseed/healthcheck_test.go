package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestProbeHealth: 200 over TLS with a certificate no root vouches for is
// healthy; another status, or nobody listening, is not.
func TestProbeHealth(t *testing.T) {
	code := http.StatusOK
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
	defer srv.Close()
	ctx := context.Background()
	if err := probeHealth(ctx, srv.URL+"/healthz", 5*time.Second); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	code = http.StatusServiceUnavailable
	if err := probeHealth(ctx, srv.URL+"/healthz", 5*time.Second); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("503: got %v, want an error naming HTTP 503", err)
	}
	url := srv.URL
	srv.Close()
	if err := probeHealth(ctx, url+"/healthz", 5*time.Second); err == nil {
		t.Error("nobody listening: got no error")
	}
}
