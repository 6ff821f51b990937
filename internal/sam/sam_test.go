package sam

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// recorded are the reply lines a real bridge sent, one a line:
// testdata/*-replies.txt (i2pd 2.58 with zero-hop sessions in a namespace
// without network) and all but the last line of testdata/*-accept.txt
// (go test ./reseed -run TestI2PChannelOverTestnet -record-sam=NAME).
func recorded(t testing.TB) []string {
	t.Helper()
	var lines []string
	for _, f := range testdataFiles(t, "*-replies.txt") {
		lines = append(lines, readLines(t, f)...)
	}
	for _, f := range testdataFiles(t, "*-accept.txt") {
		l := readLines(t, f)
		lines = append(lines, l[:len(l)-1]...)
	}
	return lines
}

// recordedAccept are the peer lines of testdata/*-accept.txt: what a
// bridge sent on an accepting socket when a peer connected.
func recordedAccept(t testing.TB) []string {
	t.Helper()
	var lines []string
	for _, f := range testdataFiles(t, "*-accept.txt") {
		l := readLines(t, f)
		lines = append(lines, l[len(l)-1])
	}
	return lines
}

func testdataFiles(t testing.TB, pattern string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(files) == 0 {
		t.Fatalf("no testdata/%s", pattern)
	}
	return files
}

func readLines(t testing.TB, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	sc.Buffer(nil, maxLine)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return lines
}

func TestParseRecorded(t *testing.T) {
	for _, line := range recorded(t) {
		r, err := ParseReply(line)
		if err != nil {
			t.Errorf("%.60q: %v", line, err)
			continue
		}
		if r.Result() == "" {
			t.Errorf("%.60q: no RESULT", line)
		}
		if got := r.String(); got != line {
			t.Errorf("String() = %.80q, want %.80q", got, line)
		}
	}
}

func TestParseReply(t *testing.T) {
	for _, tt := range []struct {
		name, line string
		want       *Reply
		err        error
	}{
		{"hello", "HELLO REPLY RESULT=OK VERSION=3.3", &Reply{"HELLO", "REPLY", []Arg{{"RESULT", "OK"}, {"VERSION", "3.3"}}}, nil},
		{"quoted message", `STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"`,
			&Reply{"STREAM", "STATUS", []Arg{{"RESULT", "CANT_REACH_PEER"}, {"MESSAGE", "LeaseSet not found"}}}, nil},
		{"escapes", `X Y M="a \"b\" \\c"`, &Reply{"X", "Y", []Arg{{"M", `a "b" \c`}}}, nil},
		{"key alone", "PING PONG X", &Reply{"PING", "PONG", []Arg{{"X", ""}}}, nil},
		{"empty value", "A B K=", &Reply{"A", "B", []Arg{{"K", ""}}}, nil},
		{"one word", "HELLO", nil, ErrReply},
		{"lower-case topic", "hello REPLY", nil, ErrReply},
		{"duplicate key", "HELLO REPLY RESULT=OK RESULT=OK", nil, ErrReply},
		{"double space", "HELLO  REPLY", nil, ErrReply},
		{"trailing space", "HELLO REPLY ", nil, ErrReply},
		{"carriage return", "HELLO REPLY RESULT=OK\r", nil, ErrReply},
		{"unterminated quote", `A B M="x`, nil, ErrReply},
		{"quote in bare value", `A B M=x"y`, nil, ErrReply},
		{"bad escape", `A B M="\n"`, nil, ErrReply},
		{"text after quote", `A B M="x"y`, nil, ErrReply},
		{"empty key", "A B =x", nil, ErrReply},
		{"too long", "A B X=" + strings.Repeat("a", maxLine), nil, ErrReply},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseReply(tt.line)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.err == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReplyErr(t *testing.T) {
	r, _ := ParseReply(`STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"`)
	err := r.Err("STREAM CONNECT")
	var re *ResultError
	if !errors.As(err, &re) || re.Result != ResultCantReachPeer || !errors.Is(err, ErrRefused) {
		t.Fatalf("Err = %v, want a ResultError CANT_REACH_PEER", err)
	}
	if got, want := err.Error(), "sam: STREAM CONNECT: CANT_REACH_PEER: LeaseSet not found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	ok, _ := ParseReply("HELLO REPLY RESULT=OK VERSION=3.3")
	if err := ok.Err("HELLO"); err != nil {
		t.Errorf("RESULT=OK: %v", err)
	}
}

// TestParseAcceptRecorded: i2pd (2.45.1 and 2.58, SAM 3.3 agreed) sends
// the peer's destination alone, without FROM_PORT and TO_PORT.
func TestParseAcceptRecorded(t *testing.T) {
	for _, line := range recordedAccept(t) {
		al, err := ParseAcceptLine(line)
		if err != nil {
			t.Fatalf("%.60q: %v", line, err)
		}
		if al.Destination.String() != line || al.Destination.SigType() != SigEdDSAEd25519 {
			t.Errorf("%.60q: destination %v, sig type %v", line, al.Destination.B32(), al.Destination.SigType())
		}
	}
	al, err := ParseAcceptLine(recordedAccept(t)[0] + " FROM_PORT=0 TO_PORT=80")
	if v, _ := (&Reply{Args: al.Args}).Get("TO_PORT"); err != nil || v != "80" {
		t.Errorf("with ports: %v, TO_PORT %q", err, v)
	}
	for _, bad := range []string{"", "notbase64", recordedAccept(t)[0][:100], recordedAccept(t)[0] + " ", recordedAccept(t)[0] + " X=\""} {
		if _, err := ParseAcceptLine(bad); err == nil {
			t.Errorf("%.60q parsed", bad)
		}
	}
}

// FuzzParseReply: whatever parses formats back to a line that parses to
// the same reply.
func FuzzParseReply(f *testing.F) {
	for _, line := range recorded(f) {
		f.Add(line)
	}
	f.Add(`X Y M="a \"b\" \\c"`)
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ParseReply(line)
		if err != nil {
			return
		}
		again, err := ParseReply(r.String())
		if err != nil {
			t.Fatalf("%q parsed, its String %q does not: %v", line, r.String(), err)
		}
		if !reflect.DeepEqual(r, again) {
			t.Fatalf("round trip: %+v != %+v", r, again)
		}
	})
}

// FuzzParseAcceptLine: an accept line parses only with a well-formed
// destination, which encodes back to the line's first word.
func FuzzParseAcceptLine(f *testing.F) {
	for _, line := range recordedAccept(f) {
		f.Add(line)
		f.Add(line + " FROM_PORT=0 TO_PORT=0") // as SAM 3.2 describes it
	}
	f.Fuzz(func(t *testing.T, line string) {
		al, err := ParseAcceptLine(line)
		if err != nil {
			return
		}
		first, _, _ := strings.Cut(line, " ")
		if al.Destination.String() != first {
			t.Fatalf("destination %q re-encodes as %q", first, al.Destination.String())
		}
		_ = al.Destination.B32()
	})
}

func TestCheckAddrAndSessionID(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:7656": true, "[::1]:7656": true, "router:7656": true,
		"7656": false, "127.0.0.1": false, ":7656": false, "127.0.0.1:": false, "127.0.0.1:0": false} {
		if err := CheckAddr(addr); (err == nil) != ok {
			t.Errorf("CheckAddr(%q) = %v, want ok %v", addr, err, ok)
		}
	}
	a, b := NewSessionID("i2pseed-"), NewSessionID("i2pseed-")
	if len(a) != len("i2pseed-")+8 || !strings.HasPrefix(a, "i2pseed-") || a == b {
		t.Errorf("NewSessionID: %q and %q, want i2pseed- and 8 hex digits, different", a, b)
	}
}
