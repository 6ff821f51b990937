package netdb

import (
	"errors"
	"testing"
)

func TestNetID(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want NetID
		ok   bool
	}{
		{"2", 2, true}, {"02", 2, true}, {"7", 7, true}, {"255", 255, true},
		{"0", 0, false}, {"256", 0, false}, {"258", 0, false}, {"-1", 0, false}, {"", 0, false}, {"x", 0, false}, {"2 ", 0, false},
	} {
		got, err := ParseNetID(tt.in)
		if tt.ok && (err != nil || got != tt.want) {
			t.Errorf("ParseNetID(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if !tt.ok && !errors.Is(err, ErrNetID) {
			t.Errorf("ParseNetID(%q) = %v, %v; want ErrNetID", tt.in, got, err)
		}
	}
	for _, n := range []int{0, -1, 256, 258} {
		if _, err := NetIDFromInt(n); !errors.Is(err, ErrNetID) {
			t.Errorf("NetIDFromInt(%d): %v, want ErrNetID", n, err)
		}
	}
	if !LiveNetID.Matches("2") || !LiveNetID.Matches("02") || LiveNetID.Matches("258") || LiveNetID.Matches("") {
		t.Error("Matches")
	}
}
