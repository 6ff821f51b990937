// Package sam is a small client of the SAM v3 bridge of an I2P router
// (i2pd's or Java I2P's): enough to publish a stream service on an I2P
// destination and to dial one.
//
// Spec: SAM V3, versions 3.1 to 3.3 (https://geti2p.net/en/docs/api/samv3).
//
// Protocol flow. Every command and reply is one line of ASCII words,
// "TOPIC TYPE KEY=VALUE ...", values quoted when they hold spaces:
//
//	client                                  bridge (127.0.0.1:7656)
//	  control socket, kept open for the session's life
//	  HELLO VERSION MIN=3.1 MAX=3.3     ──>
//	                                    <──  HELLO REPLY RESULT=OK VERSION=3.3
//	  SESSION CREATE STYLE=STREAM ID=n
//	    DESTINATION=TRANSIENT|<key>
//	    SIGNATURE_TYPE=7 [i2cp options] ──>
//	                                    <──  SESSION STATUS RESULT=OK DESTINATION=<private key>
//	  one new socket per stream:
//	  HELLO ...                         <──> HELLO REPLY ...
//	  STREAM ACCEPT ID=n                ──>
//	                                    <──  STREAM STATUS RESULT=OK
//	                                    <──  <peer destination> FROM_PORT=0 TO_PORT=0
//	  ... or STREAM CONNECT ID=n
//	    DESTINATION=<destination>       ──>
//	                                    <──  STREAM STATUS RESULT=OK
//	  then the socket carries the stream's bytes both ways.
//	  NAMING LOOKUP NAME=x.b32.i2p      ──>
//	                                    <──  NAMING REPLY RESULT=OK NAME=x.b32.i2p VALUE=<destination>
//
// The parser (ParseReply, ParseAcceptLine) is pure; the client (Dial,
// Session, Listener) does the I/O and never logs.
package sam

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors of this package, testable with errors.Is.
var (
	// ErrReply: the bridge's line does not parse as a SAM reply.
	ErrReply = errors.New("sam: malformed reply")
	// ErrRefused: the bridge answered with a RESULT other than OK (a
	// *ResultError carries it).
	ErrRefused = errors.New("sam: refused")
	// ErrKey: a destination or private key does not parse.
	ErrKey = errors.New("sam: bad destination key")
)

// Result is a reply's RESULT value.
type Result string

// Results of the spec.
const (
	ResultOK            Result = "OK"                // success
	ResultNoVersion     Result = "NOVERSION"         // HELLO: no common version
	ResultI2PError      Result = "I2P_ERROR"         // the router failed; MESSAGE says why
	ResultDuplicatedID  Result = "DUPLICATED_ID"     // SESSION CREATE: the ID is in use
	ResultDuplicatedDst Result = "DUPLICATED_DEST"   // SESSION CREATE: the destination is in use
	ResultInvalidID     Result = "INVALID_ID"        // no session of that ID
	ResultInvalidKey    Result = "INVALID_KEY"       // a key does not parse
	ResultCantReachPeer Result = "CANT_REACH_PEER"   // STREAM CONNECT: no route to the peer
	ResultTimeout       Result = "TIMEOUT"           // STREAM CONNECT: the peer did not answer
	ResultKeyNotFound   Result = "KEY_NOT_FOUND"     // NAMING LOOKUP: no such name
	ResultPeerNotFound  Result = "PEER_NOT_FOUND"    // the peer's LeaseSet was not found
	ResultAlreadyAccept Result = "ALREADY_ACCEPTING" // STREAM ACCEPT: one is pending already (3.1)
)

func (r Result) String() string { return string(r) }

// A ResultError is a reply whose RESULT is not OK.
type ResultError struct {
	Command string // e.g. "SESSION CREATE"
	Result  Result
	Message string // the reply's MESSAGE, if any
}

func (e *ResultError) Error() string {
	s := "sam: " + e.Command + ": " + string(e.Result)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

func (e *ResultError) Unwrap() error { return ErrRefused }

// A Reply is one line from the bridge: "TOPIC TYPE KEY=VALUE ...".
type Reply struct {
	Topic, Type string // e.g. "HELLO", "REPLY"
	// Args in the order sent; a key without "=" has an empty value.
	Args []Arg
}

// An Arg is one KEY=VALUE of a reply.
type Arg struct{ Key, Value string }

// Get is the value of key, and whether the reply has it.
func (r *Reply) Get(key string) (string, bool) {
	for _, a := range r.Args {
		if a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// Result is the reply's RESULT (empty when it has none).
func (r *Reply) Result() Result {
	v, _ := r.Get("RESULT")
	return Result(v)
}

// Err is nil for RESULT=OK, else a *ResultError naming command.
func (r *Reply) Err(command string) error {
	if r.Result() == ResultOK {
		return nil
	}
	msg, _ := r.Get("MESSAGE")
	res := r.Result()
	if res == "" {
		res = "no RESULT"
	}
	return &ResultError{Command: command, Result: res, Message: msg}
}

// String formats r as the bridge would send it, without the newline;
// values with spaces, quotes or backslashes are quoted.
func (r *Reply) String() string {
	var b strings.Builder
	b.WriteString(r.Topic)
	b.WriteByte(' ')
	b.WriteString(r.Type)
	for _, a := range r.Args {
		b.WriteByte(' ')
		b.WriteString(a.Key)
		b.WriteByte('=')
		b.WriteString(quote(a.Value))
	}
	return b.String()
}

// quote quotes v when it could not be read back bare.
func quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\"\\") {
		return v
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(v) + `"`
}

// maxLine bounds a reply line: a destination with a certificate and
// a private key fit with room to spare.
const maxLine = 8192

// ParseReply parses one reply line (without its newline; a trailing "\r"
// is refused). Keys are case-sensitive words without "=" or quotes;
// values are bare words or double-quoted with \" and \\ escapes. A key
// given twice is refused.
func ParseReply(line string) (*Reply, error) {
	if len(line) > maxLine {
		return nil, fmt.Errorf("%w: %d bytes", ErrReply, len(line))
	}
	toks, err := tokens(line)
	if err != nil {
		return nil, err
	}
	if len(toks) < 2 || !isWord(toks[0]) || !isWord(toks[1]) {
		return nil, fmt.Errorf("%w: want TOPIC TYPE ...: %.40q", ErrReply, line)
	}
	r := &Reply{Topic: toks[0], Type: toks[1]}
	for _, t := range toks[2:] {
		a, err := parseArg(t)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(r.Args, func(b Arg) bool { return b.Key == a.Key }) {
			return nil, fmt.Errorf("%w: %s given twice", ErrReply, a.Key)
		}
		r.Args = append(r.Args, a)
	}
	return r, nil
}

// isWord: an upper-case ASCII word, as topics and types are.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'A' || c > 'Z') && c != '_' {
			return false
		}
	}
	return true
}

// tokens splits a line at single spaces, keeping quoted values whole
// (quotes and escapes still in place, checked by parseArg).
func tokens(line string) ([]string, error) {
	var toks []string
	start, inQuote := 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c < 0x20 || c > 0x7e:
			return nil, fmt.Errorf("%w: byte %#x at %d", ErrReply, c, i)
		case inQuote && c == '\\':
			i++ // the escaped byte, checked by unquote
		case c == '"':
			inQuote = !inQuote
		case c == ' ' && !inQuote:
			if i == start {
				return nil, fmt.Errorf("%w: empty word at %d", ErrReply, i)
			}
			toks = append(toks, line[start:i])
			start = i + 1
		}
	}
	if inQuote {
		return nil, fmt.Errorf("%w: unterminated quote", ErrReply)
	}
	if start >= len(line) {
		return nil, fmt.Errorf("%w: empty word at the end", ErrReply)
	}
	return append(toks, line[start:]), nil
}

// parseArg parses KEY, KEY=value or KEY="quoted value".
func parseArg(t string) (Arg, error) {
	k, v, hasValue := strings.Cut(t, "=")
	if k == "" || strings.ContainsAny(k, `"\`) {
		return Arg{}, fmt.Errorf("%w: bad key in %.40q", ErrReply, t)
	}
	if !hasValue {
		return Arg{Key: k}, nil
	}
	if !strings.HasPrefix(v, `"`) {
		if strings.ContainsAny(v, `"\`) {
			return Arg{}, fmt.Errorf("%w: quote or backslash in a bare value: %.40q", ErrReply, t)
		}
		return Arg{Key: k, Value: v}, nil
	}
	u, err := unquote(v)
	return Arg{Key: k, Value: u}, err
}

// unquote reads a value in double quotes, undoing \" and \\.
func unquote(v string) (string, error) {
	if len(v) < 2 || v[len(v)-1] != '"' {
		return "", fmt.Errorf("%w: bad quoted value %.40q", ErrReply, v)
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		switch {
		case c == '\\':
			i++
			if i >= len(v)-1 || (v[i] != '"' && v[i] != '\\') {
				return "", fmt.Errorf("%w: bad escape in %.40q", ErrReply, v)
			}
			c = v[i]
		case c == '"':
			return "", fmt.Errorf("%w: quote inside a quoted value %.40q", ErrReply, v)
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// An AcceptLine is the line the bridge sends on an accepting socket when
// a peer connects: the peer's destination, then (3.2 and later)
// FROM_PORT and TO_PORT.
type AcceptLine struct {
	Destination Destination
	Args        []Arg
}

// ParseAcceptLine parses the line before an accepted stream's data.
func ParseAcceptLine(line string) (*AcceptLine, error) {
	first, rest, hasArgs := strings.Cut(line, " ")
	d, err := ParseDestination(first)
	if err != nil {
		return nil, err
	}
	al := &AcceptLine{Destination: d}
	if !hasArgs {
		return al, nil
	}
	r, err := ParseReply("ACCEPT LINE " + rest) // the same KEY=VALUE grammar
	if err != nil {
		return nil, err
	}
	al.Args = r.Args
	return al, nil
}
