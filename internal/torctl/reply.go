package torctl

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Errors.
var (
	// ErrMalformed is a reply that does not follow the control protocol.
	ErrMalformed = errors.New("torctl: malformed reply")
	// ErrRefused is any reply with a non-2xx code (a *ReplyError).
	ErrRefused = errors.New("torctl: command refused")
	// ErrAuth is a refused authentication: a wrong password or cookie,
	// an unreadable cookie file, a SAFECOOKIE server hash that does not
	// match, or no method this client and tor share.
	ErrAuth = errors.New("torctl: authentication failed")
)

// maxLine bounds a reply line; tor's longest (a descriptor in GETINFO)
// stay well under it.
const maxLine = 64 << 10

// A Line is one line of a reply: "250-ServiceID=abc" is {250, '-',
// "ServiceID=abc", nil}; a data line "250+config-text=" carries the data
// that followed it, unescaped, one string a line.
type Line struct {
	Code Code
	Sep  byte // '-' mid, '+' data, ' ' end
	Text string
	Data []string
}

// A Reply is one reply: its lines, the last an end line.
type Reply struct {
	Lines []Line
}

// Code is the reply's status.
func (r *Reply) Code() Code { return r.Lines[len(r.Lines)-1].Code }

// Err is nil for a 2xx reply, else a *ReplyError.
func (r *Reply) Err() error {
	if r.Code().OK() {
		return nil
	}
	return &ReplyError{Code: r.Code(), Text: r.Lines[len(r.Lines)-1].Text}
}

// A ReplyError is a non-2xx reply. It is ErrRefused, and ErrAuth too for
// 514 and 515.
type ReplyError struct {
	Code Code
	Text string
}

func (e *ReplyError) Error() string { return fmt.Sprintf("tor: %d %s", int(e.Code), e.Text) }

func (e *ReplyError) Is(target error) bool {
	return target == ErrRefused || (target == ErrAuth && (e.Code == CodeAuthRequired || e.Code == CodeBadAuth))
}

// ParseReply parses exactly one reply, CRLF line endings, no bytes after.
func ParseReply(b []byte) (*Reply, error) {
	var p replyParser
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 {
			return nil, fmt.Errorf("line without CRLF: %w", ErrMalformed)
		}
		done, err := p.line(string(b[:i]))
		if err != nil {
			return nil, err
		}
		b = b[i+2:]
		if done {
			if len(b) > 0 {
				return nil, fmt.Errorf("%d bytes after the end line: %w", len(b), ErrMalformed)
			}
			return p.reply, nil
		}
	}
	return nil, fmt.Errorf("reply without end line: %w", ErrMalformed)
}

// replyParser is the state of a reply read line by line.
type replyParser struct {
	reply  *Reply
	inData bool
}

// line takes one line without its CRLF; done is true after the end line.
func (p *replyParser) line(s string) (done bool, err error) {
	if len(s) > maxLine {
		return false, fmt.Errorf("line over %d bytes: %w", maxLine, ErrMalformed)
	}
	if p.inData {
		return false, p.dataLine(s)
	}
	l, err := parseLine(s)
	if err != nil {
		return false, err
	}
	if p.reply == nil {
		p.reply = &Reply{}
	} else if l.Code != p.reply.Lines[0].Code {
		return false, fmt.Errorf("status %d after %d in one reply: %w", l.Code, p.reply.Lines[0].Code, ErrMalformed)
	}
	p.reply.Lines = append(p.reply.Lines, l)
	p.inData = l.Sep == '+'
	return l.Sep == ' ', nil
}

// dataLine takes a line of a data reply: "." ends it, ".." starts a line
// beginning with a dot.
func (p *replyParser) dataLine(s string) error {
	last := &p.reply.Lines[len(p.reply.Lines)-1]
	switch {
	case s == ".":
		p.inData = false
		if last.Data == nil {
			last.Data = []string{}
		}
		return nil
	case strings.HasPrefix(s, "."):
		if !strings.HasPrefix(s, "..") {
			return fmt.Errorf("data line %q not dot-stuffed: %w", s, ErrMalformed)
		}
		s = s[1:]
	}
	last.Data = append(last.Data, s)
	return nil
}

// parseLine parses "CODE<sep>text".
func parseLine(s string) (Line, error) {
	if len(s) < 4 {
		return Line{}, fmt.Errorf("short line %q: %w", s, ErrMalformed)
	}
	code, err := strconv.Atoi(s[:3])
	if err != nil || s[0] < '1' || s[0] > '9' || strings.ContainsAny(s[:3], "+-") {
		return Line{}, fmt.Errorf("status %q: %w", s[:3], ErrMalformed)
	}
	sep := s[3]
	if sep != '-' && sep != '+' && sep != ' ' {
		return Line{}, fmt.Errorf("separator %q: %w", sep, ErrMalformed)
	}
	if strings.ContainsAny(s[4:], "\r\n") {
		return Line{}, fmt.Errorf("bare CR or LF: %w", ErrMalformed)
	}
	return Line{Code: Code(code), Sep: sep, Text: s[4:]}, nil
}

// AppendText appends r as tor sends it.
func (r *Reply) AppendText(b []byte) []byte {
	for _, l := range r.Lines {
		b = fmt.Appendf(b, "%03d%c%s\r\n", int(l.Code), l.Sep, l.Text)
		if l.Sep != '+' {
			continue
		}
		for _, d := range l.Data {
			if strings.HasPrefix(d, ".") {
				b = append(b, '.')
			}
			b = append(append(b, d...), "\r\n"...)
		}
		b = append(b, ".\r\n"...)
	}
	return b
}
