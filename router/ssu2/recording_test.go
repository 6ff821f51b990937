package ssu2

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A recording is one exchange with a real router: what our side drew at
// random and its clock, so a replay rebuilds our packets byte for byte,
// and the router's keys, so it decrypts the router's.
type recording struct {
	Impl     string    `json:"impl"`
	IntroKey Key       `json:"intro_key"`
	Static   PublicKey `json:"static"`
	NetID    uint8     `json:"net_id"`
	Now      int64     `json:"now"`  // our clock, Unix seconds
	Rand     []byte    `json:"rand"` // our randomness, in the order drawn
	Sent     [][]byte  `json:"sent"`
	Received [][]byte  `json:"received"`
	// Our keys and RouterInfo, for recordings that reach SessionConfirmed.
	OurStatic     PrivateKey `json:"our_static,omitzero"`
	OurIntroKey   Key        `json:"our_intro_key,omitzero"`
	OurRouterInfo []byte     `json:"our_router_info,omitempty"`
}

func writeRecording(t *testing.T, name string, r recording) {
	t.Helper()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readRecordings(t testing.TB, pattern string) map[string]recording {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings %s in testdata (record them with go test -update as root)", pattern)
	}
	out := map[string]recording{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r recording
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = r
	}
	return out
}
