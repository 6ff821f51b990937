package torctl

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/testnet"
)

var update = flag.Bool("update", false, "record testdata/*.txt again from the real tor")

// TestAgainstTor runs the client against Debian's tor (no network, in a
// namespace the test makes): every authentication method it offers,
// ADD_ONION with a key whose ID tor computes, a collision, DEL_ONION.
// With -update it records tor's replies into testdata. Needs root and
// tor; in CI it must run.
func TestAgainstTor(t *testing.T) {
	conn, pw := loneTor(t)
	rec := recorder(t)
	pi, err := conn.ProtocolInfo()
	if err != nil {
		t.Fatal(err)
	}
	rec("protocolinfo", "PROTOCOLINFO 1")
	if pi.Version == "" || pi.CookieFile == "" {
		t.Errorf("PROTOCOLINFO: %+v", pi)
	}
	if err := conn.Authenticate(""); err != nil { // SAFECOOKIE
		t.Fatal(err)
	}
	rec("getinfo-version", "GETINFO version")
	rec("getinfo-config-text", "GETINFO config-text")
	rec("unrecognized", "FROBNICATE")
	rec("add-onion-new-discard", "ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=80,127.0.0.1:8080")
	rec("add-onion-new", "ADD_ONION NEW:ED25519-V3 Port=80,127.0.0.1:8080")
	rec("add-onion-badkey", "ADD_ONION ED25519-V3:AAAA Port=80,127.0.0.1:8080")
	rec("add-onion-key", "") // and its collision and DEL_ONION, leaving the key free
	id, err := conn.AddOnion(seqSeed(), Port{80, "127.0.0.1:8080"})
	if err != nil || id != seedService {
		t.Fatalf("AddOnion = %s, %v; want %s", id, err, seedService)
	}
	_, err = conn.AddOnion(seqSeed(), Port{80, "127.0.0.1:8080"})
	var re *ReplyError
	if !errors.As(err, &re) || re.Code != CodeUnspecified {
		t.Errorf("the same key twice: %v, want a 550 collision", err)
	}
	if err := conn.DelOnion(id); err != nil {
		t.Errorf("DelOnion: %v", err)
	}
	if err := conn.DelOnion(id); !errors.Is(err, ErrRefused) {
		t.Errorf("DelOnion twice: %v, want ErrRefused (552)", err)
	}
	conn.Close()
	for _, tt := range []struct {
		password string
		ok       bool
	}{{pw, true}, {"wrong", false}} {
		c := dialTor(t)
		err := c.Authenticate(tt.password)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrAuth)) {
			t.Errorf("password %q: %v, want ok %v or ErrAuth", tt.password, err, tt.ok)
		}
		c.Close()
	}
}

// The lone tor of this package's tests: its control address and namespace.
var loneCtl struct {
	addr string
	ns   *testnet.NetNS
}

// loneTor starts a tor without network with a password and cookies and
// returns a connection to it and the password.
func loneTor(t *testing.T) (*Conn, string) {
	t.Helper()
	need := func(err error) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %v", err)
		}
		t.Skip(err)
	}
	if err := testnet.CheckHost(); err != nil {
		need(err)
	}
	ns, err := testnet.CreateNetNS(fmt.Sprintf("i2pseed-torctl-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Delete() })
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	const pw = "p\"w d" // quoted on the wire
	p, addr, err := testnet.StartLoneTor(ctx, ns, t.TempDir(), pw)
	if errors.Is(err, testnet.ErrNoTor) {
		need(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	loneCtl.addr, loneCtl.ns = addr, ns
	return dialTor(t), pw
}

func dialTor(t *testing.T) *Conn {
	t.Helper()
	nc, err := loneCtl.ns.Dial(loneCtl.addr)
	if err != nil {
		t.Fatal(err)
	}
	return NewConn(nc)
}

// recorder returns rec(name, command): with -update, it sends command on
// a connection of its own (authenticated by password) and writes the
// reply to testdata/name.txt. Commands refused before authentication
// are recorded on a fresh connection.
func recorder(t *testing.T) func(name, cmd string) {
	if !*update {
		return func(string, string) {}
	}
	c := dialTor(t)
	t.Cleanup(func() { c.Close() })
	write := func(name string, r *Reply) {
		if err := os.WriteFile(filepath.Join("testdata", name+".txt"), r.AppendText(nil), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw := func(c *Conn, cmd string) *Reply {
		r, err := c.Command(cmd)
		if r == nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		return r
	}
	fresh := dialTor(t)
	write("unauthenticated", raw(fresh, "GETINFO version"))
	fresh.Close()
	fresh = dialTor(t)
	write("authenticate-bad", raw(fresh, `AUTHENTICATE "wrong"`))
	fresh.Close()
	write("authenticate-password", raw(c, `AUTHENTICATE "p\"w d"`))
	write("authenticate-ok", raw(c, `AUTHENTICATE "p\"w d"`))
	fresh = dialTor(t)
	raw(fresh, "PROTOCOLINFO 1")
	write("authchallenge", raw(fresh, "AUTHCHALLENGE SAFECOOKIE "+strings.Repeat("00", 32)))
	fresh.Close()
	return func(name, cmd string) {
		if cmd == "" { // ADD_ONION of the seed key, its collision, DEL_ONION
			key := "ED25519-V3:" + base64.StdEncoding.EncodeToString(expandedKey(seqSeed()))
			write(name, raw(c, "ADD_ONION "+key+" Port=80,127.0.0.1:8080"))
			write("add-onion-collision", raw(c, "ADD_ONION "+key+" Port=80,127.0.0.1:8080"))
			write("del-onion", raw(c, "DEL_ONION "+seedService))
			write("del-onion-unknown", raw(c, "DEL_ONION "+seedService))
			return
		}
		write(name, raw(c, cmd))
	}
}
