package torctl

import (
	"fmt"
	"strings"
)

// Keywords are a reply line's text split into bare words ("AUTH") and
// KEY=VALUE pairs, a value either plain or a QuotedString
// (control-spec 2.1.1: backslash escapes \\ \" \n \r \t).
type Keywords struct {
	Words  []string
	Values map[string]string
}

// ParseKeywords splits s; a key given twice, an unterminated quote or a
// quote not followed by a space or the end is ErrMalformed.
func ParseKeywords(s string) (Keywords, error) {
	kw := Keywords{Values: map[string]string{}}
	for s != "" {
		if s[0] == ' ' {
			s = s[1:]
			continue
		}
		end := strings.IndexAny(s, " =")
		if end < 0 || s[end] == ' ' {
			if end < 0 {
				end = len(s)
			}
			kw.Words, s = append(kw.Words, s[:end]), s[end:]
			continue
		}
		key := s[:end]
		value, rest, err := parseValue(s[end+1:])
		if err != nil {
			return Keywords{}, fmt.Errorf("%s: %w", key, err)
		}
		if _, dup := kw.Values[key]; dup || key == "" {
			return Keywords{}, fmt.Errorf("key %q twice or empty: %w", key, ErrMalformed)
		}
		kw.Values[key], s = value, rest
	}
	return kw, nil
}

// parseValue reads one value: up to the next space, or a quoted string.
func parseValue(s string) (value, rest string, err error) {
	if !strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			return s, "", nil
		}
		return s[:end], s[end:], nil
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			if i+1 < len(s) && s[i+1] != ' ' {
				return "", "", fmt.Errorf("text after a quoted string: %w", ErrMalformed)
			}
			return b.String(), s[i+1:], nil
		case '\\':
			if i++; i == len(s) {
				return "", "", fmt.Errorf("backslash at the end: %w", ErrMalformed)
			}
			b.WriteByte(unescape(s[i]))
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated quoted string: %w", ErrMalformed)
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c
}

// quote writes s as a QuotedString.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}
