package setting

import (
	"errors"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	err := fmt.Errorf("serve: %w", Errorf("bundle-size", 7, "want %d-%d", 50, 100))
	var se *Error
	if !errors.As(err, &se) || se.Setting != "bundle-size" || se.Value != "7" || !errors.Is(err, ErrBad) {
		t.Fatalf("got %#v from %v", se, err)
	}
	if got, want := se.Error(), "bundle-size 7: want 50-100"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := Errorf("signer", nil, "required").Error(), "signer: required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestErrorWraps: an Error made with %w matches what it wraps, and ErrBad.
func TestErrorWraps(t *testing.T) {
	cause := errors.New("connection refused")
	err := Errorf("tor-control", "127.0.0.1:1", "no tor control port: %w", cause)
	if !errors.Is(err, cause) || !errors.Is(err, ErrBad) {
		t.Errorf("%v: want it to match its cause and ErrBad", err)
	}
	if got, want := err.Error(), "tor-control 127.0.0.1:1: no tor control port: connection refused"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
