package testnet

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/i2pseed/i2pseed/netdb"
)

// A Rule is one defence of a router implementation against a peer, as the
// line it logs shows it: a block, ban, banlist entry, throttle, refusal or
// drop.
type Rule struct {
	Impl string // ImplJava or ImplI2PD
	Name string
	// Pattern is a regexp over a log record (a line, and for Java the
	// lines that continue it, such as "java.lang.Exception: Banlist
	// cause: ..."). %us stands where the line names our router: its IP,
	// its hash in I2P base64, or the hash's first 6 (Java) or 4 (i2pd)
	// characters. A pattern without %us is of a line that names no peer.
	Pattern string
}

// Rules are the defences the audit looks for in the peers' logs: Java I2P
// 2.7.0 and i2pd 2.45.1 / 2.58.0, the exact strings of their sources
// (docs/research-blocking-rules.md; J1-J16 and D1-D8 are its sections).
// How they name a peer: Java by IP (Addresses.toString, "198.18.0.2"), by
// connection ("NTCP2 conn 17 from 198.18.0.2 port 56961 ZESQIP", the
// hash's first 6 characters), by Hash.toBase64 or Hash.toString
// ("[Hash: <base64>]"); i2pd by address or endpoint ("198.18.0.2:18899"),
// by IdentHash::ToBase64 or GetIdentHashAbbreviation (4 characters).
//
// Not here, as no defence: Java's "Got Termination: " (our Termination),
// "Failsafe or expire close for " and "Sending termination, reason: " 0-3
// (normal, idle), "NTP failure, NTCP adjusted clock by" (Java takes our
// clock), "Zero lookup" and "Dropping dbLookup for ... with replies going
// to us" (neither is ours), "OBES2 ... Failed to establish: connect
// failed" (Java could not reach us; a ban for it is a Banlist line); the
// session that replaces another when two routers dial each other at once
// (Java's "Old connection closed: ... replaced by", i2pd's "Session with
// ... already exists. Replaced": reference routers do it to one another);
// i2pd's "NTCP2: Termination. reason=" (our Termination, debug), "NTCP2:
// No activity for" (idle, debug), "Session to peer ... has not been
// created", "RouterInfo for ... not found, requested" and "NetDb:
// Duplicated RouterInfo" (bookkeeping). i2pd logs no "blacklisted",
// "refused" or "throttle" line, nor the reason of a Termination it sends
// (its "Session with ... terminated" is debug).
var Rules = []Rule{
	// Java: NTCP accept and the EventPumper's IP counter (J1, J2).
	{ImplJava, "eof-blocks-ip", `EOF on inbound before receiving any.*%us`},
	{ImplJava, "ioe-blocks-ip", `(?:Blocking IP |IOE on inbound before receiving any).*%us`},
	{ImplJava, "accept-blocked", `Blocking accept of IP with count \d+: %us`},
	{ImplJava, "accept-blocklisted", `Receive session request from blocklisted IP: %us`},
	{ImplJava, "accept-at-connection-limit", `Receive session request but at connection limit: %us`},
	{ImplJava, "accept-rate-drop", `Probabalistic drop incoming`}, // sic; names no peer
	// Java: the inbound handshake and the data phase (J3, J4, J5).
	{ImplJava, "wrong-network", `Dropping inbound connection from wrong network: %us`},
	{ImplJava, "banlisted-forever", `(?:Dropping inbound connection from permanently banlisted peer|Peer is banlisted forever).*%us`},
	{ImplJava, "clock-skew", `Clock Skew: -?\d+ on .*%us`},
	{ImplJava, "clock-skew-ban", `Clocks too skewed \(`}, // names no peer; its ban is a Banlist line
	{ImplJava, "msg3-failed", `Failed msg3p2, code \d+ for .*%us`},
	{ImplJava, "msg3-payload", `Bad msg 3 payload`}, // names no peer; a "Failed msg3p2" line follows
	{ImplJava, "establish-failed", `IBES .*%us.*Failed to establish: `},
	{ImplJava, "termination-sent", `Sending termination, reason: (?:[4-9]|[1-9]\d+), .*%us`},
	{ImplJava, "skew-jump-close", `Peer's skew jumped too far .*%us`},
	{ImplJava, "aead-failure-close", `(?:Short frame length: |Bad AEAD data phase frame |AEAD failure after ).*%us`},
	{ImplJava, "frame-dropped", `(?:Fail payload |Error parsing I2NP message on ).*%us`},
	// Java: the banlist and the blocklist (J10, J11, J14).
	{ImplJava, "banlist", `Banlist %us`},
	{ImplJava, "blocklist-add", `Blocklist *: Added: %us`},
	{ImplJava, "blocklist-banlists", `Banlisting .*%us`},
	{ImplJava, "blocklisting-peer", `Blocklisting (?:new|old) peer .*%us`},
	{ImplJava, "sybil-ban", `(?s)Banned by .* and blocking IPs:.*%us`},
	// Java: netDb lookups, stores and replies (J8, J9, J12, J13).
	{ImplJava, "lookup-throttled", `lookup request for .*\(throttled\), reply was to: \[Hash: %us\]`},
	{ImplJava, "lookup-dropped-not-floodfill", `\(we are not a floodfill\), reply was to: \[Hash: %us\]`},
	{ImplJava, "lookup-uninvited", `Uninvited dbLookup received with replies going to \[Hash: %us\]`},
	{ImplJava, "reply-to-banlisted", `Attempt to send a message to a banlisted peer - \[Hash: %us\]`},
	{ImplJava, "reply-undeliverable", `Unable to find the router to send to: \[Hash: %us\]`},
	{ImplJava, "message-dropped", `(?s)(?:Dropping message ID \[|Dropping unhandled delivery status message|not handled by a HandlerJobBuilder - DROPPING).*%us`},
	{ImplJava, "store-dropped", `Dropping new unsolicited dbStore of .*router %us`},
	{ImplJava, "store-dropped-not-floodfill", `(?s)Got a store w/ reply token, but we aren't ff: .*%us`},
	{ImplJava, "store-bad-data", `sent bad data key: %us`},
	{ImplJava, "routerinfo-forged", `(?s)Invalid routerInfo signature!.*%us`},
	{ImplJava, "not-in-our-network", `(?s)Not in our network: .*%us`},

	// i2pd: NTCP2 accept and handshake (D2, D8).
	{ImplI2PD, "host-mismatch", `Host mismatch between published address \S+ and actual endpoint %us`},
	{ImplI2PD, "routerinfo-rejected", `RouterInfo verification failed in SessionConfirmed from %us`},
	{ImplI2PD, "pending-refused", `Incoming session from %us is already pending`},
	{ImplI2PD, "invalid-ip", `Incoming connection from invalid IP %us`},
	{ImplI2PD, "untrusted-closed", `Closing untrusted inbound connection from %us`},
	{ImplI2PD, "ssu2-static-key", `SSU2: Wrong static key in SessionConfirmed from %us`},
	// i2pd: profiles (D6): "Transports: ... Peer dropped", "NetDbReq: ... Skipped".
	{ImplI2PD, "banned", `Router %us is banned`},
	// i2pd: lines that name no peer (D2, D3, D5, D7).
	{ImplI2PD, "clock-skew", `exceeds clock skew|SSU2: Clock skew detected`},
	{ImplI2PD, "wrong-netid", `SessionRequest networkID \d+ mismatch|RouterInfo: Unexpected netId=`},
	{ImplI2PD, "msg1-rejected", `NTCP2: SessionRequest (?:version mismatch|AEAD verification failed|padding length|m3p2len=)`},
	{ImplI2PD, "msg3-rejected", `NTCP2: (?:(?:Signature verification failed|RouterInfo is too old|Wrong static key|No NTCP2 address with static key found|Unexpected RouterInfo size \d+|Unexpected block \d+) in SessionConfirmed|RouterInfo is from future|Couldn't update RouterInfo from SessionConfirmed|SessionConfirmed Part[12] AEAD verification failed)`},
	{ImplI2PD, "data-phase-error", `NTCP2: (?:Received AEAD verification failed|Received length \d+ is too short|Unexpected block length \d+)`},
	{ImplI2PD, "routerinfo-invalid", `RouterInfo: (?:Signature verification failed|Buffer is too long)`},
	{ImplI2PD, "lookup-dropped", `NetDb: (?:Number of excluded peers\d+ is too much|Exploratory lookup to non-floodfill dropped|Explicit LeaseSet lookup to non-floodfill dropped)`},
}

// usMark replaces our router's names in a record before the rules run.
const usMark = "\x00"

type compiledRule struct {
	Rule
	re    *regexp.Regexp
	named bool // the pattern has %us
}

var compiled = sync.OnceValue(func() map[string][]compiledRule {
	m := map[string][]compiledRule{}
	for _, r := range Rules {
		m[r.Impl] = append(m[r.Impl], compiledRule{Rule: r, named: strings.Contains(r.Pattern, "%us"),
			re: regexp.MustCompile(strings.ReplaceAll(r.Pattern, "%us", `\x00`))})
	}
	return m
})

// Ours names our router in the peers' logs.
type Ours struct {
	Addrs  []string // IPv4 addresses, e.g. ServerAddr
	Hashes []netdb.Hash
}

// names are the strings by which impl's log names us, longest first.
func (o Ours) names(impl string) []string {
	short := 6 // Java: Hash.toBase64().substring(0, 6)
	if impl == ImplI2PD {
		short = 4 // i2pd: GetIdentHashAbbreviation
	}
	var n []string
	for _, h := range o.Hashes {
		n = append(n, h.String(), h.String()[:short])
	}
	n = append(n, o.Addrs...)
	slices.SortFunc(n, func(a, b string) int { return len(b) - len(a) })
	return n
}

// mark replaces each name standing alone in s (not inside a longer IP
// address or base64 string) by usMark, and reports whether there was one.
func mark(s string, names []string) (string, bool) {
	found := false
	for _, name := range names {
		var b strings.Builder
		last := 0
		for off := 0; ; {
			i := strings.Index(s[off:], name)
			if i < 0 {
				break
			}
			i += off
			end := i + len(name)
			if len(name) < 44 && !alone(s, i, end) { // a whole hash stands alone
				off = i + 1
				continue
			}
			b.WriteString(s[last:i])
			b.WriteString(usMark)
			last, off, found = end, end, true
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return s, found
}

// alone reports whether s[i:end] is not part of a longer IP address or
// base64 string: 198.18.0.2 is not in 198.18.0.20, a hash's first
// characters not in another word.
func alone(s string, i, end int) bool {
	word := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '~' || c == '='
	}
	before := i > 0 && (word(s[i-1]) || s[i-1] == '.')
	after := end < len(s) && (word(s[end]) || s[end] == '.' && end+1 < len(s) && s[end+1] >= '0' && s[end+1] <= '9')
	return !before && !after
}

// An Offence is a record of a peer's log that a Rule matched.
type Offence struct {
	File string // the log
	Line int    // of the record's first line, from 1
	Impl string
	Rule string
	// Text is the record's first line and, for Java, the message of the
	// exception it carries (a Banlist cause).
	Text string
}

func (o Offence) String() string {
	return fmt.Sprintf("%s:%d: %s %s: %s", o.File, o.Line, o.Impl, o.Rule, o.Text)
}

// An Audit is what the peers' logs hold against our router.
type Audit struct {
	Offences []Offence // lines that name our router
	// Unnamed are lines of rules that name no peer: ours or another's.
	Unnamed []Offence
	Logs    []string // every log read
}

// Err is nil when no line blocks, bans or throttles our router, else an
// error listing the lines.
func (a *Audit) Err() error {
	if len(a.Offences) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d lines in the peers' logs block, ban or throttle our router", len(a.Offences))
	for _, o := range a.Offences {
		b.WriteString("\n" + o.String())
	}
	return errors.New(b.String())
}

// AuditLogs reads every router log below dir and returns the records
// that block, ban, throttle or drop the router named by ours: i2pd's
// i2pd.log, Java's logs/log-*.txt and wrapper.log, each with the copies
// earlier runs left (name.1, name.2, ...).
func AuditLogs(dir string, ours Ours) (*Audit, error) {
	a := &Audit{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "netDb" || name == "peerProfiles" {
				return filepath.SkipDir
			}
			return nil
		}
		impl := logImpl(path)
		if impl == "" {
			return nil
		}
		a.Logs = append(a.Logs, path)
		return auditFile(a, path, impl, ours)
	})
	if err != nil {
		return nil, fmt.Errorf("testnet: audit: %w", err)
	}
	return a, nil
}

var (
	i2pdLogName = regexp.MustCompile(`^i2pd\.log(?:\.\d+)?$`)
	javaLogName = regexp.MustCompile(`^(?:log-[^/]*\.txt|wrapper\.log)(?:\.\d+)?$`)
)

// logImpl is the implementation whose log path is, or "".
func logImpl(path string) string {
	name := filepath.Base(path)
	switch {
	case i2pdLogName.MatchString(name):
		return ImplI2PD
	case javaLogName.MatchString(name) && (strings.HasPrefix(name, "wrapper") || filepath.Base(filepath.Dir(path)) == "logs"):
		return ImplJava
	}
	return ""
}

// A record starts with a line of the log's own format; other lines
// continue it (Java's exceptions and multi-line messages).
var recordStart = map[string]*regexp.Regexp{
	ImplJava: regexp.MustCompile(`^\S.*? (?:DEBUG|INFO|WARN|ERROR|CRIT) +\[`), // "Dec 5, 2026, 2:18:10 PM WARN  [JobQueue 1/1] ..."
	ImplI2PD: regexp.MustCompile(`^\d\d:\d\d:\d\d@\d+/\w+ - `),                // "14:18:05@950/info - ..."
}

func auditFile(a *Audit, path, impl string, ours Ours) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	names := ours.names(impl)
	rules := compiled()[impl]
	var lines []string // the record
	first, n := 0, 0
	flush := func() {
		if len(lines) == 0 {
			return
		}
		record := strings.Join(lines, "\n")
		marked, named := mark(record, names)
		for _, r := range rules {
			if r.named && (!named || !r.re.MatchString(marked)) || !r.named && !r.re.MatchString(record) {
				continue
			}
			o := Offence{File: path, Line: first, Impl: impl, Rule: r.Name, Text: recordText(lines)}
			if r.named || named {
				a.Offences = append(a.Offences, o)
			} else {
				a.Unnamed = append(a.Unnamed, o)
			}
			break
		}
		lines = lines[:0]
	}
	start := recordStart[impl]
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		if len(lines) == 0 || start.MatchString(line) || !start.MatchString(lines[0]) {
			flush()
			first = n
		}
		lines = append(lines, line)
	}
	flush()
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// recordText is a record's first line and the message of the exception
// it carries, if any ("java.lang.Exception: Banlist cause: IP mismatch").
func recordText(lines []string) string {
	text := lines[0]
	for _, l := range lines[1:] {
		if l != "" && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, " ") && strings.Contains(l, ": ") {
			return text + " | " + l
		}
	}
	return text
}

// ServerRouterHash is the hash of the built-in router of the network kept
// in dir, from the server's log.
func ServerRouterHash(dir string) (netdb.Hash, error) {
	path := filepath.Join(dir, "server", "server.log")
	b, err := os.ReadFile(path)
	if err != nil {
		return netdb.Hash{}, fmt.Errorf("testnet: %w", err)
	}
	m := builtinHash.FindSubmatch(b)
	var h netdb.Hash
	if m == nil || h.UnmarshalText(m[1]) != nil {
		return netdb.Hash{}, fmt.Errorf("testnet: no built-in router hash in %s", path)
	}
	return h, nil
}

// builtinHash finds i2pseed serve's log line `msg="built-in router"
// hash=...` (text or JSON).
var builtinHash = regexp.MustCompile(`built-in router"?[ ,]+"?hash"?[=:]"?([A-Za-z0-9~-]{43}=)`)

// AuditNetwork audits the logs of every router that ran in the network
// kept in dir (its routers and the fresh clients, up or down) against
// our server's router: ServerAddr and the hash in the server's log.
func AuditNetwork(dir string) (*Audit, error) {
	h, err := ServerRouterHash(dir)
	if err != nil {
		return nil, err
	}
	return AuditLogs(dir, Ours{Addrs: []string{ServerAddr}, Hashes: []netdb.Hash{h}})
}

// Audit is AuditNetwork of the network's directory.
func (st *State) Audit() (*Audit, error) { return AuditNetwork(st.Dir) }

// keepLog renames the log at path, if any, to the first free path.N, so a
// router that starts again writes a fresh log and the audit still reads
// the old one.
func keepLog(path string) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for i := 1; ; i++ {
		old := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
			if err := os.Rename(path, old); err != nil {
				return fmt.Errorf("testnet: %w", err)
			}
			return nil
		}
	}
}
