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

// recorded are the reply lines of testdata/*-replies.txt: what a real
// bridge sent, one line each (recorded from i2pd 2.58 with zero-hop
// sessions in a namespace without network).
func recorded(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob("testdata/*-replies.txt")
	var lines []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(nil, maxLine)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) == 0 {
		t.Fatal("no recorded replies in testdata")
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
	for _, line := range recordedKeys(f) {
		f.Add(line.dest + " FROM_PORT=0 TO_PORT=0")
		f.Add(line.dest)
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
