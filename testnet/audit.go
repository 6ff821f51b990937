package testnet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/i2pseed/i2pseed/netdb"
)

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
	before := i > 0 && (wordByte(s[i-1]) || s[i-1] == '.')
	after := end < len(s) && (wordByte(s[end]) || s[end] == '.' && end+1 < len(s) && digit(s[end+1]))
	return !before && !after
}

// wordByte reports whether c may be part of a base64 string or a word.
func wordByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || digit(c) || c == '-' || c == '~' || c == '='
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

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

// Rel is o with its File relative to dir, if it can be.
func (o Offence) Rel(dir string) Offence {
	if r, err := filepath.Rel(dir, o.File); err == nil {
		o.File = r
	}
	return o
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
	names, rules := ours.names(impl), compiled()[impl]
	err = forEachRecord(f, recordStart[impl], func(first int, lines []string) {
		a.add(Offence{File: path, Line: first, Impl: impl}, lines, names, rules)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// forEachRecord calls f with each record of a log, the lines from one
// that start matches (or that does not follow such a line) to the next,
// and the number of its first line, from 1.
func forEachRecord(r io.Reader, start *regexp.Regexp, f func(first int, lines []string)) error {
	var lines []string // the record
	first, n := 0, 0
	flush := func() {
		if len(lines) > 0 {
			f(first, lines)
			lines = lines[:0]
		}
	}
	sc := bufio.NewScanner(r)
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
	return sc.Err()
}

// add records o, a record of lines, under the first of rules it matches:
// among the Offences if the rule or the record names us (by names), else
// among the Unnamed.
func (a *Audit) add(o Offence, lines []string, names []string, rules []compiledRule) {
	record := strings.Join(lines, "\n")
	marked, named := mark(record, names)
	for _, r := range rules {
		if r.named && (!named || !r.re.MatchString(marked)) || !r.named && !r.re.MatchString(record) {
			continue
		}
		o.Rule, o.Text = r.Name, recordText(lines)
		if r.named || named {
			a.Offences = append(a.Offences, o)
		} else {
			a.Unnamed = append(a.Unnamed, o)
		}
		return
	}
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
// our routers: the server's (ServerAddr and the hash in the server's
// log) and those that raced (Race: their address and hashes).
func AuditNetwork(dir string) (*Audit, error) {
	h, err := ServerRouterHash(dir)
	if err != nil {
		return nil, err
	}
	return AuditLogs(dir, Ours{Addrs: []string{ServerAddr, raceOursAddr}, Hashes: append([]netdb.Hash{h}, raceHashes(dir)...)})
}

// Audit is AuditNetwork of the network's directory.
func (st *State) Audit() (*Audit, error) { return AuditNetwork(st.Dir) }
