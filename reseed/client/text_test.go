package client

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

func textResult(t *testing.T) *Result {
	t.Helper()
	ris, err := netdb.Synth(3, netdb.SynthConfig{Now: time.Unix(1.7e9, 0), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	r := &Result{Routers: map[netdb.Hash]*netdb.RouterInfo{}, Servers: []ServerResult{
		{URL: "https://a.example/", Signer: "a@mail.i2p", Accepted: 3, Floodfills: 1, Duration: 1234567 * time.Microsecond,
			Rejected: map[netdb.Reason]int{netdb.RejectTooOld: 2, netdb.RejectCaps: 1}},
		{URL: "https://b.example/", Err: errors.New("reseed: server did not answer 200"), Duration: 300 * time.Millisecond},
		{URL: "carried.zip", Unsigned: true, Accepted: 3, Duration: 12345 * time.Nanosecond},
	}}
	for _, ri := range ris {
		r.Routers[ri.Hash()] = ri
	}
	return r
}

func TestResultWriteTable(t *testing.T) {
	r := textResult(t)
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	want := `SERVER              RESULT                             ACCEPTED  FLOODFILLS  REJECTED           TIME
https://a.example/  ok (a@mail.i2p)                    3         1           caps 1, too-old 2  1.235s
https://b.example/  reseed: server did not answer 200  0         0                              300ms
carried.zip         unsigned zip                       3         0                              12µs
total: 3 RouterInfos (` + fmt.Sprint(r.Floodfills()) + ` floodfills) from 2 of 3 bundles; 1 unsigned zip (no su3 signature checked)
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestServerResultString(t *testing.T) {
	r := textResult(t)
	for i, want := range []string{
		"https://a.example/: 3 RouterInfos in 1.235s: ok",
		"https://b.example/: 0 RouterInfos in 300ms: reseed: server did not answer 200",
		"carried.zip: 3 RouterInfos in 12µs: unsigned zip",
	} {
		if got := r.Servers[i].String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
