package netdb

import (
	"errors"
	"fmt"
)

// Errors callers can test with errors.Is.
var (
	// ErrFormat is wrapped by every parse error.
	ErrFormat = errors.New("netdb: malformed data")
	// ErrSignature means a RouterInfo's signature does not verify.
	ErrSignature = errors.New("netdb: bad RouterInfo signature")
	// ErrFamily means a RouterInfo's family signature (options family,
	// family.key, family.sig) is malformed or does not verify.
	ErrFamily = errors.New("netdb: bad family signature")
	// ErrUnsupported means a key or signature type cannot be verified.
	ErrUnsupported = errors.New("netdb: unsupported key type")
)

func formatErr(what, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrFormat, what, fmt.Sprintf(format, args...))
}
