package judge

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/reseedtest"
	"github.com/i2pseed/i2pseed/reseed/client"
)

func TestReportWriteText(t *testing.T) {
	r := &Report{Requests: 3, Checks: []Check{
		{Name: "http-status", OK: true, Verdict: Pass, Rule: RuleJava, Detail: "200"},
		{Name: "signature-type", Verdict: Fail, Rule: RuleI2PD, Detail: "type 7, i2pd verifies only 6"},
		{Name: "floodfills", OK: true, Verdict: Warn, Rule: RuleOurs, Detail: "3, want at least 5"},
	}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `OK    http-status     java     200
FAIL  signature-type  i2pd     type 7, i2pd verifies only 6
WARN  floodfills      i2pseed  3, want at least 5
3 checks, 3 requests: 1 FAIL, 1 WARN, 0 LIMIT
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRoundWriteTable(t *testing.T) {
	r := Round{
		{"https://a.example/", Judgement{Judged: true, Up: true, RouterInfos: 75, Floodfills: 9, Took: 1234567 * time.Microsecond}},
		{"https://b.example/", Judgement{Judged: true, Fail: []string{"http-status", "signature"}, Warn: []string{"repeat"}, Took: 2 * time.Second,
			Error: "reseed: server did not answer 200"}},
		{"https://c.example/", Judgement{Limited: []string{"http-status"}}},
	}
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	want := "SERVER              STATE         ROUTERINFOS  FLOODFILLS  TOOK    FAIL                   WARN    ERROR\n" +
		"https://a.example/  UP            75           9           1.235s  -                      -       \n" +
		"https://b.example/  DOWN          0            0           2s      http-status,signature  repeat  reseed: server did not answer 200\n" +
		"https://c.example/  RATE-LIMITED  0            0           0s      -                      -       \n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if r.Down() != 1 {
		t.Errorf("Down() = %d, want 1 (a rate-limited server is not down)", r.Down())
	}
}

// TestCheckAll: every server judged in order, the history kept.
func TestCheckAll(t *testing.T) {
	_, kr := reseedtest.Signer(t)
	down := reseedtest.TLSServer(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	limited := reseedtest.TLSServer(t, limitedServer(nil, 0))
	servers := []string{down.URL + "/", limited.URL + "/"}
	m, err := NewMonitor(MonitorConfig{Check: Config{Client: client.Config{Keyring: kr, HTTP: insecureClient()}}, Servers: servers})
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.CheckAll(context.Background())
	if err != nil || len(r) != 2 || r[0].Server != servers[0] || r[0].State() != "DOWN" || r[1].State() != "RATE-LIMITED" || r.Down() != 1 {
		t.Fatalf("CheckAll = %+v, %v; want %s DOWN, then %s RATE-LIMITED", r, err, servers[0], servers[1])
	}
	if len(m.History(servers[0])) != 1 {
		t.Errorf("history of %s: %d results, want 1", servers[0], len(m.History(servers[0])))
	}
}
