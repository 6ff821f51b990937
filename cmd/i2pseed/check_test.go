package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestCheckCommand: our server passes with exit 0; --json keeps its shape
// (url, ok, checks with name, ok and detail) and adds each check's verdict
// and rule; bad flags are usage errors naming the flag.
func TestCheckCommand(t *testing.T) {
	url, ca, certDir := reseedFixture(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check", "--ca", ca, "--certs", certDir, "--json", url}, &stdout, &stderr); code != 0 {
		t.Fatalf("check exit %d: %s %s", code, stdout.String(), stderr.String())
	}
	checkCheckJSON(t, stdout.Bytes(), url)
	stdout.Reset()
	if code := run([]string{"check", "--ca", ca, "--certs", certDir, url}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "OK    count           java     75 valid RouterInfos (need 50)") ||
		!strings.Contains(stdout.String(), ": 0 FAIL, 0 WARN, 0 LIMIT") {
		t.Errorf("text: exit %d\n%s", code, stdout.String())
	}
	for _, bad := range [][]string{{"--source", "nope"}, {"--min-floodfills", "0"}, {"--min-routers", "0"}} {
		stderr.Reset()
		code := run(append([]string{"check", "--ca", ca, "--certs", certDir}, append(bad, url)...), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), bad[0]) {
			t.Errorf("%v: exit %d, %s", bad, code, stderr.String())
		}
	}
}

// checkCheckJSON: check --json for our server keeps its shape, every check
// passed, and the rules are whose they are.
func checkCheckJSON(t *testing.T, b []byte, url string) {
	t.Helper()
	var out struct {
		URL    string `json:"url"`
		OK     bool   `json:"ok"`
		Checks []struct {
			Name, Detail, Verdict, Rule string
			OK                          bool
		} `json:"checks"`
		Report struct {
			RouterInfos int `json:"routerinfos"`
			Requests    int `json:"requests"`
		} `json:"report"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	rules := map[string]string{}
	for _, c := range out.Checks {
		rules[c.Name] = c.Rule
		if c.Verdict != "ok" || !c.OK {
			t.Errorf("%s: %s %s", c.Name, c.Verdict, c.Detail)
		}
	}
	if out.URL != url || !out.OK || out.Report.RouterInfos != 75 || out.Report.Requests != 3 ||
		rules["count"] != "java" || rules["sig-type"] != "i2pd" || rules["netid-403"] != "i2pseed" {
		t.Errorf("json: %+v", out)
	}
}

// TestMonitorOnce: --once judges each server, prints a table, keeps the
// history, and exits 1 when one is down.
func TestMonitorOnce(t *testing.T) {
	url, ca, certDir := reseedFixture(t)
	hist := t.TempDir() + "/monitor.json"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"monitor", "--once", "--history", hist, "--ca", ca, "--certs", certDir, url}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), url) || !strings.Contains(stdout.String(), "UP") || !strings.Contains(stdout.String(), "75") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	// A server nobody listens on is down; the history now has both.
	code := run([]string{"monitor", "--once", "--history", hist, "--ca", ca, "--certs", certDir, url, "https://127.0.0.1:1/"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "DOWN") {
		t.Errorf("with a dead server: exit %d\n%s", code, stdout.String())
	}
	var h struct {
		Servers map[string][]json.RawMessage `json:"servers"`
	}
	b, _ := os.ReadFile(hist)
	if err := json.Unmarshal(b, &h); err != nil || len(h.Servers[url]) != 2 || len(h.Servers["https://127.0.0.1:1/"]) != 1 {
		t.Errorf("history: %v %s", err, b)
	}
	for _, bad := range [][]string{{"--every", "1s"}, {"--jitter", "1.5"}} {
		stderr.Reset()
		if code := run(append([]string{"monitor", "--once"}, append(bad, url)...), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), bad[0]) {
			t.Errorf("%v: exit %d, %s", bad, code, stderr.String())
		}
	}
}
