package testnet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/i2pseed/i2pseed/netdb"
)

// The samples below are written as Java I2P 2.7.0 and i2pd 2.58.0 /
// 2.45.1 print them (docs/research-blocking-rules.md): our router is
// 198.18.0.2 with hash usHash; another router of the network, at
// 198.18.0.20 (and a fresh client at 198.18.0.200), has hash themHash.
const (
	usHash   = "ZESQIP3-La5AUDcWL5ZAkKJLDacLFjDK7y8BqkUdFm4="
	themHash = "dvTMNZ3fAPr6eES7ycvxaKADBgTDxctZod0HG4RmQeI="
	// NTCPConnection.toString of an inbound connection from us and from them.
	conUs   = "NTCP2 conn 17 from 198.18.0.2 port 56961 ZESQIP not established created 3ms ago, last send 3ms ago, last recv 3ms ago, sent 1, rcvd 0"
	conThem = "NTCP2 conn 18 from 198.18.0.20 port 40112 dvTMNZ not established created 3ms ago, last send 3ms ago, last recv 3ms ago, sent 1, rcvd 0"
	// A stack trace under a Java record.
	stack = "\n\tat net.i2p.router.transport.ntcp.EventPumper.run(EventPumper.java:343)\n\tat java.base/java.lang.Thread.run(Thread.java:840)"
)

// java is a Java log record: "Dec 5, 2026, 2:18:29 PM WARN  [thread] class: msg".
func java(level, class, msg string) string {
	return "Dec 5, 2026, 2:18:29 PM " + level + strings.Repeat(" ", 6-len(level)) + "[P reader 3/4] " + class + ": " + msg
}

// i2pd is an i2pd log line: "14:18:05@950/warn - msg".
func i2pd(level, msg string) string { return "14:18:05@950/" + level + " - " + msg }

var auditTests = []struct {
	name, impl, log string
	rule            string // "" for none
	unnamed         bool   // a rule whose line names no peer
}{
	// Java, the EventPumper (J1, J2).
	{"eof", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "EOF on inbound before receiving any, blocking IP 198.18.0.2 with count 1: "+conUs), "eof-blocks-ip", false},
	{"eof them", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "EOF on inbound before receiving any, blocking IP 198.18.0.20 with count 1: "+conThem), "", false},
	{"eof client", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "EOF on inbound before receiving any, blocking IP 198.18.0.200 with count 1: NTCP2 conn 3 from 198.18.0.200 port 4431 unknown not established"), "", false},
	{"ioe", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Blocking IP 198.18.0.2 with count 2: "+conUs) + "\njava.io.IOException: Connection reset by peer" + stack, "ioe-blocks-ip", false},
	{"accept blocked", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Blocking accept of IP with count 3: 198.18.0.2"), "accept-blocked", false},
	{"accept blocked them", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Blocking accept of IP with count 3: 198.18.0.20"), "", false},
	{"accept blocklisted", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Receive session request from blocklisted IP: 198.18.0.2"), "accept-blocklisted", false},
	{"connection limit", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Receive session request but at connection limit: 198.18.0.2"), "accept-at-connection-limit", false},
	{"rate drop", ImplJava, java("WARN", "ter.transport.ntcp.EventPumper", "Probabalistic drop incoming (p=14/128) last rate 15/min current rate 22"), "accept-rate-drop", true},
	// Java, the handshake (J3-J5).
	{"wrong network", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Dropping inbound connection from wrong network: 198.18.0.2"), "wrong-network", false},
	{"banlisted forever", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Dropping inbound connection from permanently banlisted peer at 198.18.0.2 : [Hash: "+usHash+"]"), "banlisted-forever", false},
	{"clock skew", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Clock Skew: -75 on IBES "+conUs+" IB_NTCP2_GOT_X: "), "clock-skew", false},
	{"clocks too skewed", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Clocks too skewed (75000 ms)"), "clock-skew-ban", true},
	{"msg3 failed", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Failed msg3p2, code 17 for IBES "+conUs+" IB_NTCP2_GOT_PADDING: "), "msg3-failed", false},
	{"msg3 payload", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Bad msg 3 payload") + "\njava.io.IOException: Illegal block in handshake: 3" + stack, "msg3-payload", true},
	{"msg3 payload names us", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Bad msg 3 payload") + "\nnet.i2p.data.DataFormatException: Invalid store attempt of RI " + usHash + " - RI expired" + stack, "msg3-payload", false},
	{"establish failed", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "IBES "+conUs+" IB_NTCP2_GOT_X: Failed to establish: Bad network id: 2"), "establish-failed", false},
	{"establish failed outbound", ImplJava, java("WARN", "port.ntcp.OutboundNTCP2State", "OBES2 NTCP2 conn 9 to 198.18.0.2 port 18899 ZESQIP not established created 10s ago OB_SENT_X: Failed to establish: connect failed") + "\njava.net.NoRouteToHostException: No route to host" + stack, "", false},
	{"termination 17", ImplJava, java("INFO", ".transport.ntcp.NTCPConnection", "Sending termination, reason: 17, vaild frames rcvd: 0 on "+conUs), "termination-sent", false},
	{"termination idle", ImplJava, java("INFO", ".transport.ntcp.NTCPConnection", "Sending termination, reason: 2, vaild frames rcvd: 12 on "+conUs), "", false},
	{"skew jump", ImplJava, java("WARN", ".transport.ntcp.NTCPConnection", "Peer's skew jumped too far (from 0 s to 90 s): "+conUs), "skew-jump-close", false},
	{"bad aead", ImplJava, java("WARN", ".transport.ntcp.NTCPConnection", "Bad AEAD data phase frame 3 with 120 bytes on "+conUs) + "\njavax.crypto.AEADBadTagException: Tag mismatch" + stack, "aead-failure-close", false},
	{"replaced", ImplJava, java("WARN", ".transport.ntcp.NTCPConnection", "Old connection closed: "+conUs+" replaced by NTCP2 conn 19 from 198.18.0.2 port 56970 ZESQIP; drained 0"), "", false},
	{"frame dropped", ImplJava, java("WARN", ".transport.ntcp.NTCPConnection", "Error parsing I2NP message on "+conUs) + "\nnet.i2p.data.i2np.I2NPMessageException: Too many peers: 600" + stack, "frame-dropped", false},
	{"unknown block", ImplJava, java("WARN", ".transport.ntcp.NTCPConnection", "Got unknown block type 254 length 3 on "+conUs), "", false},
	{"termination received", ImplJava, java("INFO", ".transport.ntcp.NTCPConnection", "Got Termination: 0 total rcvd: 0 on "+conUs), "", false},
	{"extra data", ImplJava, java("INFO", "ort.ntcp.InboundEstablishState", "extra data 480 on IBES "+conUs+" VERIFIED established: "), "", false},
	{"ntp", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "NTP failure, NTCP adjusted clock by 1000ms source router: "+usHash), "", false},
	// Java, banlist and blocklist (J10, J11, J14).
	{"banlist", ImplJava, java("INFO", "net.i2p.router.Banlist       ", "Banlist "+usHash) + "\njava.lang.Exception: Banlist cause: Unreachable on any transport" + stack, "banlist", false},
	{"banlist transport", ImplJava, java("INFO", "net.i2p.router.Banlist       ", "Banlist "+usHash+" on transport NTCP") + "\njava.lang.Exception: Banlist cause: IP mismatch" + stack, "banlist", false},
	{"banlist them", ImplJava, java("INFO", "net.i2p.router.Banlist       ", "Banlist "+themHash) + "\njava.lang.Exception: Banlist cause: Unreachable on any transport" + stack, "", false},
	{"unbanlist", ImplJava, java("INFO", "net.i2p.router.Banlist       ", "Unbanlisting router "+usHash), "", false},
	{"blocklist add", ImplJava, java("WARN", "net.i2p.router.Blocklist     ", "Added: 198.18.0.2") + "\njava.lang.Exception: source" + stack, "blocklist-add", false},
	{"blocklist banlisting", ImplJava, java("WARN", "net.i2p.router.Blocklist     ", "Banlisting [Hash: "+usHash+"]"), "blocklist-banlists", false},
	{"blocklisting peer", ImplJava, java("WARN", "oodfillDatabaseStoreMessageJob", "(dbid: Main NetDB) Blocklisting new peer [Hash: "+usHash+"] [RouterInfo: ...]"), "blocklisting-peer", false},
	{"sybil", ImplJava, java("WARN", "net.i2p.router.sybil.Analysis", "Banned by Sybil analysis and blocking IPs:\n[RouterInfo: \n\tIdentity: [RouterIdentity: \n\tHash: "+usHash+"\n]"), "sybil-ban", false},
	// Java, netDb (J8, J9, J12, J13).
	{"throttled", ImplJava, java("WARN", "llDatabaseLookupMessageHandler", "[dbid: Main NetDB] Dropping RI lookup request for [Hash: "+themHash+"] (throttled), reply was to: [Hash: "+usHash+"] tunnel: null"), "lookup-throttled", false},
	{"throttled them, our key", ImplJava, java("WARN", "llDatabaseLookupMessageHandler", "[dbid: Main NetDB] Dropping RI lookup request for [Hash: "+usHash+"] (throttled), reply was to: [Hash: "+themHash+"] tunnel: null"), "", false},
	{"not floodfill", ImplJava, java("WARN", "llDatabaseLookupMessageHandler", "[dbid: Main NetDB] Dropping EXPL lookup request for [Hash: "+themHash+"] (we are not a floodfill), reply was to: [Hash: "+usHash+"] tunnel: null"), "lookup-dropped-not-floodfill", false},
	{"uninvited", ImplJava, java("WARN", "HandleDatabaseLookupMessageJob", "Uninvited dbLookup received with replies going to [Hash: "+usHash+"] (tunnel null)"), "lookup-uninvited", false},
	{"reply to banlisted", ImplJava, java("WARN", "i2p.router.transport.GetBidsJob", "Attempt to send a message to a banlisted peer - [Hash: "+usHash+"]"), "reply-to-banlisted", false},
	{"reply undeliverable", ImplJava, java("WARN", "i2p.router.SendMessageDirectJob", "Unable to find the router to send to: [Hash: "+usHash+"] after searching for 7012ms, message: [DatabaseStoreMessage: ...]"), "reply-undeliverable", false},
	{"message dropped", ImplJava, java("WARN", "et.i2p.router.InNetMessagePool", "Dropping message ID [123 xor-ed: 456 expiring on 1764943109000]: DatabaseLookupMessage: expired 91000ms ago: [DatabaseLookupMessage: \n\tSearch Key: [Hash: "+themHash+"]\n\tFrom: [Hash: "+usHash+"]\n]"), "message-dropped", false},
	{"store dropped", ImplJava, java("WARN", "oodfillDatabaseStoreMessageJob", "(dbid: Main NetDB) Dropping new unsolicited dbStore of LR router "+usHash+" with distance 12 drop probability 50"), "store-dropped", false},
	{"store not ff", ImplJava, java("WARN", "oodfillDatabaseStoreMessageJob", "(dbid: Main NetDB) Got a store w/ reply token, but we aren't ff: from: null fromHash: [Hash: "+usHash+"] msg: [DatabaseStoreMessage: ...]") + "\njava.lang.Exception" + stack, "store-dropped-not-floodfill", false},
	{"store bad data", ImplJava, java("WARN", "oodfillDatabaseStoreMessageJob", "(dbid: Main NetDB) Peer "+themHash+" sent bad data key: "+usHash+" replyreq? true: RI expired 2h ago"), "store-bad-data", false},
	{"forged", ImplJava, java("WARN", "ademliaNetworkDatabaseFacade", "Invalid routerInfo signature!  forged router structure!  router = [RouterInfo: \n\tIdentity: [RouterIdentity: \n\tHash: "+usHash+"\n]"), "routerinfo-forged", false},
	{"not in our network", ImplJava, java("WARN", "ort.ntcp.InboundEstablishState", "Not in our network: [RouterInfo: \n\tIdentity: [RouterIdentity: \n\tHash: "+usHash+"\n\tAddresses: \n\t\t[host] = [198.18.0.2]\n]") + "\njava.lang.Exception" + stack, "not-in-our-network", false},
	{"our RouterInfo logged", ImplJava, java("INFO", "oodfillDatabaseStoreMessageJob", "(dbid: Main NetDB) Handling dbStore of router "+usHash+" published Dec 5, 2026 from: "+usHash), "", false},

	// i2pd (D2-D7).
	{"host mismatch", ImplI2PD, i2pd("info", "NTCP2: Host mismatch between published address 198.18.0.9 and actual endpoint 198.18.0.2"), "host-mismatch", false},
	{"host mismatch them", ImplI2PD, i2pd("info", "NTCP2: Host mismatch between published address 198.18.0.2 and actual endpoint 198.18.0.20"), "", false},
	{"ri rejected", ImplI2PD, i2pd("error", "NTCP2: RouterInfo verification failed in SessionConfirmed from 198.18.0.2:40112"), "routerinfo-rejected", false},
	{"pending", ImplI2PD, i2pd("info", "NTCP2: Incoming session from 198.18.0.2 is already pending"), "pending-refused", false},
	{"pending client", ImplI2PD, i2pd("info", "NTCP2: Incoming session from 198.18.0.200 is already pending"), "", false},
	{"invalid ip", ImplI2PD, i2pd("error", "NTCP2: Incoming connection from invalid IP 198.18.0.2"), "invalid-ip", false},
	{"untrusted", ImplI2PD, i2pd("warn", "Transports: Closing untrusted inbound connection from "+usHash), "untrusted-closed", false},
	{"replaced", ImplI2PD, i2pd("warn", "NTCP2: Session with "+usHash+" already exists. Replaced"), "", false},
	{"ssu2 static key", ImplI2PD, i2pd("error", "SSU2: Wrong static key in SessionConfirmed from ZESQ"), "ssu2-static-key", false},
	{"banned", ImplI2PD, i2pd("warn", "Transports: Router "+usHash+" is banned. Peer dropped"), "banned", false},
	{"banned them", ImplI2PD, i2pd("warn", "Transports: Router "+themHash+" is banned. Peer dropped"), "", false},
	{"banned skipped", ImplI2PD, i2pd("debug", "NetDbReq: Router "+usHash+" is banned. Skipped"), "banned", false},
	{"clock skew", ImplI2PD, i2pd("warn", "NTCP2: SessionRequest time difference -75 exceeds clock skew"), "clock-skew", true},
	{"established skew", ImplI2PD, i2pd("warn", "NTCP2: Established session time difference 61 exceeds clock skew"), "clock-skew", true},
	{"netid", ImplI2PD, i2pd("warn", "NTCP2: SessionRequest networkID 2 mismatch. Expected 7"), "wrong-netid", true},
	{"msg1", ImplI2PD, i2pd("warn", "NTCP2: SessionRequest AEAD verification failed "), "msg1-rejected", true},
	{"msg3 old", ImplI2PD, i2pd("error", "NTCP2: RouterInfo is too old in SessionConfirmed for 5500 seconds"), "msg3-rejected", true},
	{"msg3 static key", ImplI2PD, i2pd("error", "NTCP2: Wrong static key in SessionConfirmed"), "msg3-rejected", true},
	{"msg3 2.45.1", ImplI2PD, i2pd("error", "NTCP2: Signature verification failed in SessionConfirmed"), "msg3-rejected", true},
	{"data phase", ImplI2PD, i2pd("warn", "NTCP2: Received AEAD verification failed "), "data-phase-error", true},
	{"block length", ImplI2PD, i2pd("error", "NTCP2: Unexpected block length 65000"), "data-phase-error", true},
	{"ri invalid", ImplI2PD, i2pd("error", "RouterInfo: Signature verification failed"), "routerinfo-invalid", true},
	{"excluded", ImplI2PD, i2pd("warn", "NetDb: Number of excluded peers600 is too much"), "lookup-dropped", true},
	{"added", ImplI2PD, i2pd("info", "NetDb: RouterInfo added: "+usHash), "", false},
	{"no profile", ImplI2PD, i2pd("warn", "Profiling: No profile yet for "+usHash), "", false},
	{"termination", ImplI2PD, i2pd("debug", "NTCP2: Termination. reason=17"), "", false},
	{"terminated", ImplI2PD, i2pd("debug", "NTCP2: Session with 198.18.0.2:40112 (ZESQ) terminated"), "", false},
}

func testOurs(t *testing.T) Ours {
	t.Helper()
	var h netdb.Hash
	if err := h.UnmarshalText([]byte(usHash)); err != nil {
		t.Fatal(err)
	}
	return Ours{Addrs: []string{ServerAddr}, Hashes: []netdb.Hash{h}}
}

// writeLog writes log as a router of impl's log below dir.
func writeLog(t *testing.T, dir, impl, log string) string {
	t.Helper()
	path := filepath.Join(dir, "i2pd.log")
	if impl == ImplJava {
		path = filepath.Join(dir, JavaLog)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(log+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuditRules(t *testing.T) {
	ours := testOurs(t)
	tested := map[string]bool{}
	for _, tt := range auditTests {
		t.Run(tt.impl+" "+tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLog(t, dir, tt.impl, tt.log)
			a, err := AuditLogs(dir, ours)
			if err != nil {
				t.Fatal(err)
			}
			var got []Offence
			unnamed := len(a.Unnamed) > 0
			got = append(got, a.Offences...)
			got = append(got, a.Unnamed...)
			switch {
			case tt.rule == "" && len(got) > 0:
				t.Errorf("got %v, want no offence", got)
			case tt.rule != "" && (len(got) != 1 || got[0].Rule != tt.rule || got[0].Line != 1 || unnamed != tt.unnamed):
				t.Errorf("got offences %v, unnamed %v; want one of rule %s (unnamed %v)", a.Offences, a.Unnamed, tt.rule, tt.unnamed)
			}
			if tt.rule != "" {
				tested[tt.impl+" "+tt.rule] = true
			}
		})
	}
	for _, r := range Rules {
		if !tested[r.Impl+" "+r.Name] {
			t.Errorf("rule %s %s has no sample", r.Impl, r.Name)
		}
	}
}

// TestAuditLogs: the audit reads every router's logs below a network's
// directory, those of earlier runs too, each record once, and reports
// where; a Java Banlist line carries its cause.
func TestAuditLogs(t *testing.T) {
	dir := t.TempDir()
	javaLog := strings.Join([]string{
		java("WARN", "r.transport.ntcp.NTCPTransport", "Starting NTCP transport listening"),
		java("INFO", "net.i2p.router.Banlist       ", "Banlist "+usHash),
		"java.lang.Exception: Banlist cause: Unreachable on any transport",
		"\tat net.i2p.router.Banlist.banlistRouter(Banlist.java:215)",
		java("INFO", "net.i2p.router.Banlist       ", "Banlist "+themHash),
		"java.lang.Exception: Banlist cause: Unreachable on any transport",
	}, "\n")
	writeLog(t, filepath.Join(dir, "routers", "3"), ImplJava, javaLog)
	if err := os.WriteFile(filepath.Join(dir, "routers", "3", "wrapper.log"), []byte("Warning: NTP is disabled\n"+
		java("CRIT", "net.i2p.router.Router        ", "Shutting down the router...")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := writeLog(t, filepath.Join(dir, "routers", "0"), ImplI2PD, i2pd("info", "NTCP2: Incoming session from 198.18.0.2 is already pending"))
	if err := keepLog(old); err != nil {
		t.Fatal(err)
	}
	writeLog(t, filepath.Join(dir, "routers", "0"), ImplI2PD, i2pd("info", "Daemon: Transports started")+"\n"+
		i2pd("warn", "NTCP2: SessionRequest time difference 90 exceeds clock skew"))
	writeLog(t, filepath.Join(dir, "routers", "0", "data", "netDb"), ImplI2PD, i2pd("warn", "Transports: Router "+usHash+" is banned. Peer dropped")) // no log of a router
	a, err := AuditLogs(dir, testOurs(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Logs) != 4 {
		t.Errorf("read %q, want i2pd.log, i2pd.log.1, log-0.txt and wrapper.log", a.Logs)
	}
	want := []string{
		filepath.Join(dir, "routers", "0", "i2pd.log.1") + ":1: i2pd pending-refused: 14:18:05@950/info - NTCP2: Incoming session from 198.18.0.2 is already pending",
		filepath.Join(dir, "routers", "3", JavaLog) + ":2: java banlist: " + java("INFO", "net.i2p.router.Banlist       ", "Banlist "+usHash) +
			" | java.lang.Exception: Banlist cause: Unreachable on any transport",
	}
	if len(a.Offences) != len(want) {
		t.Fatalf("offences %v, want %q", a.Offences, want)
	}
	for i, o := range a.Offences {
		if o.String() != want[i] {
			t.Errorf("offence %d:\n%s\nwant\n%s", i, o, want[i])
		}
	}
	if len(a.Unnamed) != 1 || a.Unnamed[0].Rule != "clock-skew" || a.Unnamed[0].Line != 2 {
		t.Errorf("unnamed %v, want i2pd.log's clock skew line", a.Unnamed)
	}
	if err := a.Err(); err == nil || !strings.HasPrefix(err.Error(), "2 lines in the peers' logs block, ban or throttle our router\n") {
		t.Errorf("Err() = %v", err)
	}
}

// TestKeepLog: a restart keeps each earlier log as name.1, name.2, ...
func TestKeepLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "i2pd.log")
	if err := keepLog(path); err != nil {
		t.Fatalf("no log yet: %v", err)
	}
	for _, run := range []string{"first", "second", "third"} {
		if err := keepLog(path); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(run), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{"i2pd.log.1": "first", "i2pd.log.2": "second", "i2pd.log": "third"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", name, b, err, want)
		}
	}
}

func TestServerRouterHash(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "server"), 0o755)
	if _, err := ServerRouterHash(dir); err == nil {
		t.Error("no server log: no error")
	}
	for _, line := range []string{
		`time=2026-12-05T14:18:10.000Z level=INFO msg="built-in router" hash="` + usHash + `" netdb=/tmp/net/server/netDb`,
		`{"time":"2026-12-05T14:18:10Z","level":"INFO","msg":"built-in router","hash":"` + usHash + `","netdb":"x"}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "server", "server.log"), []byte("level=INFO msg=serving\n"+line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if h, err := ServerRouterHash(dir); err != nil || h.String() != usHash {
			t.Errorf("%s: got %v, %v; want %s", line, h, err, usHash)
		}
	}
}

// TestMark: our names count where they stand alone, not inside another
// address or base64 string.
func TestMark(t *testing.T) {
	javaNames, i2pdNames := testOurs(t).names(ImplJava), testOurs(t).names(ImplI2PD)
	for _, tt := range []struct {
		s     string
		names []string
		want  string
	}{
		{"from 198.18.0.2 port 1", javaNames, "from \x00 port 1"},
		{"endpoint 198.18.0.2:18899", i2pdNames, "endpoint \x00:18899"},
		{"InetAddress /198.18.0.2.", javaNames, "InetAddress /\x00."},
		{"198.18.0.20 198.18.0.200 10.198.18.0.2 198.18.0.2.5", javaNames, "198.18.0.20 198.18.0.200 10.198.18.0.2 198.18.0.2.5"},
		{"198.18.0.20 then 198.18.0.2", javaNames, "198.18.0.20 then \x00"},
		{"[Hash: " + usHash + "]", javaNames, "[Hash: \x00]"},
		{"routerInfo-" + usHash + ".dat", i2pdNames, "routerInfo-\x00.dat"},
		{"port 56961 ZESQIP created", javaNames, "port 56961 \x00 created"},
		{"port 56961 ZESQIPx created", javaNames, "port 56961 ZESQIPx created"},
		{"port 56961 ZESQIP created", i2pdNames, "port 56961 ZESQIP created"},
		{"Session with 198.18.0.2:40112 (ZESQ) terminated", i2pdNames, "Session with \x00:40112 (\x00) terminated"},
		{"ZESQ-x ZESQ", i2pdNames, "ZESQ-x \x00"},
	} {
		got, found := mark(tt.s, tt.names)
		if got != tt.want || found != (got != tt.s) {
			t.Errorf("mark(%q) = %q, %v; want %q", tt.s, got, found, tt.want)
		}
	}
}
