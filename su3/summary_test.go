package su3_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/su3"
)

// TestSummary: the live bundle as su3 info shows it, verified and not.
func TestSummary(t *testing.T) {
	r, _ := open(t, liveFile)
	info := r.Describe(embeddedReseed(t, liveNow), nil)
	s := info.Summary("live.su3", liveNow)
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `file:          live.su3 (68503 bytes)
signer:        reseed@diva.exchange
certificate:   valid from 2020-06-09 to 2030-06-09
signature:     RSA-SHA512-4096 (type 6)
content:       reseed, zip, 67915 bytes
version:       1772363593 (signed 2026-03-01T11:13:13Z, 13.5 days ago)
signature ok:  yes
entries:       77 RouterInfos
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	j, err := json.Marshal(s)
	wantJSON := `{"file":"live.su3","size":68503,"signer":"reseed@diva.exchange",` +
		`"certificates":[{"not_before":"2020-06-09T05:36:45Z","not_after":"2030-06-09T05:36:45Z"}],` +
		`"sig_type":"RSA-SHA512-4096","sig_type_code":6,"file_type":"zip","content_type":"reseed","version":"1772363593",` +
		`"signed":"2026-03-01T11:13:13Z","age_seconds":1169207,"content_length":67915,"verified":true,"entries":77}`
	if err != nil || string(j) != wantJSON {
		t.Errorf("JSON\n%s (%v)\nwant\n%s", j, err, wantJSON)
	}

	b.Reset()
	if err := s.WriteVerified(&b); err != nil || b.String() != "live.su3: OK, signed by reseed@diva.exchange (RSA-SHA512-4096), reseed, 77 RouterInfos\n" {
		t.Errorf("WriteVerified: %q, %v", b.String(), err)
	}

	r, _ = open(t, liveFile)
	expired := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	info = r.Describe(embeddedReseed(t, expired), nil)
	s = info.Summary("live.su3", expired)
	b.Reset()
	s.WriteText(&b)
	if got := b.String(); !strings.Contains(got, "\nsignature ok:  no: su3: signer") || strings.Contains(got, "entries:") {
		t.Errorf("expired certificate:\n%s\nwant signature ok: no and no entries", got)
	}
}

func TestAge(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{90 * time.Second, "2m0s"},
		{47 * time.Hour, "47h0m0s"},
		{84 * time.Hour, "3.5 days"},
		{-2 * time.Hour, "in the future by 2h0m0s"},
	} {
		if got := su3.Age(tt.d); got != tt.want {
			t.Errorf("Age(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
