package main

import (
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"i2pseed": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the CLI end to end from cmd/i2pseed/testdata/*.txt.
// Each script gets the live reseed bundle as $WORK/live.su3.
func TestScripts(t *testing.T) {
	live, err := filepath.Abs("../../su3/testdata/live-diva.su3")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(e *testscript.Env) error {
			b, err := os.ReadFile(live)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(e.WorkDir, "live.su3"), b, 0o644)
		},
		RequireExplicitExec: true,
	})
}

// syncWriter serializes writes from the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
