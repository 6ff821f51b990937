package transport

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestKindError(t *testing.T) {
	own := KindError("xtp: no reply (message 2)", ErrNoMessage2)
	err := fmt.Errorf("xtp: handshake failed: %w: %w", own, io.EOF)
	if !errors.Is(err, own) || !errors.Is(err, ErrNoMessage2) || !errors.Is(err, io.EOF) {
		t.Errorf("%v does not match its own sentinel, its kind and its cause", err)
	}
	if errors.Is(err, ErrNoMessage1) || errors.Is(err, ErrFrame) {
		t.Errorf("%v matches another kind", err)
	}
	if own.Error() != "xtp: no reply (message 2)" {
		t.Errorf("text %q", own.Error())
	}
}
