package netdb

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
)

// A Mapping is a list of key/value string pairs, sorted by key without
// duplicates as routers sign them.
type Mapping []KV

// KV is one Mapping entry.
type KV struct{ Key, Value string }

// Get returns the value for key.
func (m Mapping) Get(key string) (string, bool) {
	for _, kv := range m {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// ParseMapping parses exactly one Mapping (with its 2-byte size) from b.
func ParseMapping(b []byte) (Mapping, error) {
	s := cryptobyte.String(b)
	m, err := readMapping(&s)
	if err != nil {
		return nil, err
	}
	if !s.Empty() {
		return nil, formatErr("mapping", "%d trailing bytes", len(s))
	}
	return m, nil
}

func readMapping(s *cryptobyte.String) (Mapping, error) {
	var body cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&body) {
		return nil, formatErr("mapping", "truncated")
	}
	var m Mapping
	for !body.Empty() {
		var k, v cryptobyte.String
		var eq, semi uint8
		if !body.ReadUint8LengthPrefixed(&k) || !body.ReadUint8(&eq) ||
			!body.ReadUint8LengthPrefixed(&v) || !body.ReadUint8(&semi) {
			return nil, formatErr("mapping", "truncated entry")
		}
		if eq != '=' || semi != ';' {
			return nil, formatErr("mapping", "entry %q not of the form key=value;", k)
		}
		if !utf8.Valid(k) || !utf8.Valid(v) {
			return nil, formatErr("mapping", "entry %q is not UTF-8", k)
		}
		kv := KV{string(k), string(v)}
		if n := len(m); n > 0 && strings.Compare(m[n-1].Key, kv.Key) >= 0 {
			return nil, formatErr("mapping", "key %q after %q: unsorted or duplicate", kv.Key, m[n-1].Key)
		}
		m = append(m, kv)
	}
	return m, nil
}

// AppendBinary appends the encoded mapping to b. Keys must be sorted and
// unique and every string at most 255 bytes.
func (m Mapping) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, 0, 0)
	for i, kv := range m {
		if len(kv.Key) > 255 || len(kv.Value) > 255 {
			return b[:start], formatErr("mapping", "string longer than 255 bytes in %q", kv.Key)
		}
		if i > 0 && m[i-1].Key >= kv.Key {
			return b[:start], formatErr("mapping", "key %q after %q: unsorted or duplicate", kv.Key, m[i-1].Key)
		}
		b = append(b, byte(len(kv.Key)))
		b = append(b, kv.Key...)
		b = append(b, '=', byte(len(kv.Value)))
		b = append(b, kv.Value...)
		b = append(b, ';')
	}
	n := len(b) - start - 2
	if n > 0xffff {
		return b[:start], formatErr("mapping", "%d bytes, over 65535", n)
	}
	binary.BigEndian.PutUint16(b[start:], uint16(n))
	return b, nil
}
