package netdb

import (
	"errors"
	"fmt"
	"strconv"
)

// A NetID is an I2P network ID: a RouterInfo's netId option, the first
// option byte of an NTCP2 SessionRequest, a reseed request's ?netid. It is
// one byte; 2 is the live network, 0 none (NTCP2 reads it as "any"), so a
// router or server takes 1-255.
type NetID uint8

// LiveNetID is the public I2P network's.
const LiveNetID NetID = 2

// ErrNetID is wrapped by ParseNetID and NetIDFromInt for a value that is
// not a network ID.
var ErrNetID = errors.New("netdb: a netId is 1-255 (2 is the live network)")

// NetIDFromInt checks n, e.g. a --netid flag.
func NetIDFromInt(n int) (NetID, error) {
	if n < 1 || n > 255 {
		return 0, fmt.Errorf("%w: %d", ErrNetID, n)
	}
	return NetID(n), nil
}

// ParseNetID parses a decimal netId ("2", and "02" is 2 too).
func ParseNetID(s string) (NetID, error) {
	n, err := strconv.Atoi(s)
	if err != nil || len(s) > 8 {
		return 0, fmt.Errorf("%w: %q", ErrNetID, s)
	}
	return NetIDFromInt(n)
}

// String is the netId in decimal, as RouterInfos carry it.
func (n NetID) String() string { return strconv.Itoa(int(n)) }

// Matches reports whether a RouterInfo's netId option names n.
func (n NetID) Matches(option string) bool {
	m, err := ParseNetID(option)
	return err == nil && m == n
}
