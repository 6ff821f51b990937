package netdb

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// An Entry is the compact summary of one RouterInfo that selection and
// statistics need; the RouterInfo itself stays on disk.
type Entry struct {
	Hash        Hash
	Path        string // file it was read from, if any
	Size        int
	PublishedMs uint64
	SigOK       bool
	SigType     SigType
	CryptoType  CryptoType
	NetID       string
	Version     string
	Caps        string
	Addrs       []Addr
	// Family is the router's family (RouterInfo.Family: lower-cased), ""
	// for none; BundleQuota caps routers of one family per bundle.
	Family string
	// BadFamily is set when the family signature fails VerifyFamily
	// (RejectFamily).
	BadFamily bool
}

// Addr is the part of a RouterAddress selection looks at.
type Addr struct {
	Transport   string
	Host        netip.Addr // invalid if none or not an IP
	Port        uint16
	Introducers bool
	// BadKey is set when the address is unusable for its static key s
	// (missing or not an X25519 public key) or version v (not 2).
	BadKey bool
}

// Published is the RouterInfo's published time.
func (e *Entry) Published() time.Time { return time.UnixMilli(int64(e.PublishedMs)) }

// Floodfill reports whether the router says it is a floodfill.
func (e *Entry) Floodfill() bool { return floodfillCaps(e.Caps) }

// Summarize verifies ri's signature and family signature and returns its
// Entry.
func Summarize(ri *RouterInfo) *Entry {
	e := &Entry{
		Hash:        ri.Hash(),
		Size:        len(ri.Bytes()),
		PublishedMs: ri.Published,
		SigOK:       ri.Verify() == nil,
		SigType:     ri.Identity.SigType,
		CryptoType:  ri.Identity.CryptoType,
		NetID:       ri.Option("netId"),
		Version:     ri.Option("router.version"),
		Caps:        ri.Option("caps"),
		Family:      ri.Family(),
		BadFamily:   ri.VerifyFamily() != nil,
		Addrs:       addrs(ri),
	}
	return e
}

// addrs are ri's NTCP2 and SSU2 addresses as selection reads them.
func addrs(ri *RouterInfo) []Addr {
	var out []Addr
	for _, a := range ri.Addresses {
		if a.Transport != "NTCP2" && a.Transport != "SSU2" {
			continue
		}
		ad := Addr{Transport: a.Transport, BadKey: !a.Usable()}
		ad.Host, ad.Port = hostPort(a.Options)
		ad.Introducers = slices.ContainsFunc(a.Options, func(kv KV) bool { return strings.HasPrefix(kv.Key, "ih") })
		out = append(out, ad)
	}
	return out
}
