package netdb

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
)

// Router family options (Java I2P FamilyKeyCrypto, i2pd Family.cpp). A
// family is a set of routers run by one operator; routers do not build
// tunnels through two members of one family. The signature is
//
//	family.sig = sign(UTF-8 family name || 32-byte router hash)
//
// by the family's key, in the key type's usual form (ECDSA P-256: SHA-256,
// r||s; EdDSA: Ed25519 over the bytes themselves), base64 in I2P's alphabet.
const (
	OptFamily    = "family"     // the family name
	OptFamilyKey = "family.key" // "<SigType code>:<base64 public key>" (Java routers only)
	OptFamilySig = "family.sig" // base64 signature
)

// maxFamilyName is the longest family name i2pd verifies: it copies name
// and hash into a 100-byte buffer and refuses the RouterInfo otherwise.
const maxFamilyName = 100 - 32

// A FamilyKey is a trusted family's ECDSA P-256 public key, X || Y: the
// only kind of family certificate i2pd loads, and what Java makes.
type FamilyKey [64]byte

//go:embed familycerts/*.crt
var familyCerts embed.FS

// KnownFamilies returns the family keys real routers ship in
// certificates/family (i2pd 2.58's contrib/certificates/family, the same
// families Java I2P carries), by family name. The map is shared: do not
// modify it.
func KnownFamilies() map[string]FamilyKey { return knownFamilies() }

var knownFamilies = sync.OnceValue(func() map[string]FamilyKey {
	m := map[string]FamilyKey{}
	files, _ := fs.Glob(familyCerts, "familycerts/*.crt")
	for _, f := range files {
		b, _ := familyCerts.ReadFile(f)
		name, key, err := ParseFamilyCertificate(b)
		if err != nil {
			panic("netdb: embedded " + f + ": " + err.Error()) // a build defect, caught by TestKnownFamilies
		}
		m[name] = key
	}
	return m
})

// ParseFamilyCertificate returns the family name and key of a family
// certificate in PEM: the name is the issuer CN up to ".family" (as i2pd
// reads it; Java names the file after the family), the key must be ECDSA
// P-256. Validity dates are not checked: neither client checks them.
func ParseFamilyCertificate(pemBytes []byte) (string, FamilyKey, error) {
	var key FamilyKey
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return "", key, fmt.Errorf("%w: family certificate: no PEM CERTIFICATE block", ErrFormat)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", key, fmt.Errorf("%w: family certificate: %w", ErrFormat, err)
	}
	name, _, _ := strings.Cut(cert.Issuer.CommonName, ".family")
	if name == "" {
		return "", key, fmt.Errorf("%w: family certificate: issuer CN %q names no family", ErrFormat, cert.Issuer.CommonName)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return "", key, fmt.Errorf("%w: family certificate %q: key is not ECDSA P-256", ErrUnsupported, name)
	}
	raw, err := pub.Bytes() // 04 || X || Y
	if err != nil {
		return "", key, fmt.Errorf("%w: family certificate %q: %w", ErrFormat, name, err)
	}
	copy(key[:], raw[1:])
	return name, key, nil
}

// Family returns the router's family name as clients group routers by it:
// the family option lower-cased (i2pd lower-cases it), "" for none.
func (ri *RouterInfo) Family() string { return asciiLower(ri.Option(OptFamily)) }

// VerifyFamily checks the router's family signature against the keys
// KnownFamilies returns, else the family.key it publishes.
func (ri *RouterInfo) VerifyFamily() error { return ri.VerifyFamilyWith(KnownFamilies()) }

// VerifyFamilyWith checks the family signature (OptFamilySig) of a router
// that names a family, with every key a real client would use, and returns
// an error wrapping ErrFamily if any check fails:
//
//   - i2pd 2.58: if the lower-cased name is a known family, the signature
//     must be 64 bytes and verify with its key over lower-cased name ||
//     hash; a name over 68 bytes is refused outright.
//   - Java I2P 2.8: the key is the known family's (exact name), else
//     family.key; a malformed family.key or signature is refused (Java's
//     BAD_KEY and INVALID_SIG), and so, stricter than Java, is one that
//     does not verify.
//
// A router without a family, or with a family but no family.sig (both
// clients accept it), or whose signature no key can check (an unknown i2pd
// family: i2pd publishes no family.key), passes: there is nothing to
// refute. The router's own signature is Verify's business.
func (ri *RouterInfo) VerifyFamilyWith(known map[string]FamilyKey) error {
	name, ok := ri.Options.Get(OptFamily)
	if !ok {
		return nil
	}
	sig64, ok := ri.Options.Get(OptFamilySig)
	if !ok {
		return nil
	}
	if len(name) > maxFamilyName {
		return fmt.Errorf("%w: family name of %d bytes, i2pd takes at most %d", ErrFamily, len(name), maxFamilyName)
	}
	sig, err := i2pbase64.DecodeString(sig64)
	if err != nil {
		return fmt.Errorf("%w: family %q: family.sig is not base64", ErrFamily, name)
	}
	h := ri.Hash()
	lower := asciiLower(name)
	if k, ok := known[lower]; ok { // i2pd's check
		if err := verifyFamilySig(SigECDSA_SHA256_P256, k[:], lower, h, sig); err != nil {
			return fmt.Errorf("family %q, known key: %w", name, err)
		}
	}
	var t SigType
	var key []byte
	if k, ok := known[name]; ok { // Java's check
		if lower == name {
			return nil // just verified
		}
		t, key = SigECDSA_SHA256_P256, k[:]
	} else if s, ok := ri.Options.Get(OptFamilyKey); ok {
		if t, key, err = parseFamilyKey(s); err != nil {
			return fmt.Errorf("family %q: %w", name, err)
		}
	} else {
		return nil // nothing to check it with
	}
	if err := verifyFamilySig(t, key, name, h, sig); err != nil {
		return fmt.Errorf("family %q, %v key: %w", name, t, err)
	}
	return nil
}

// parseFamilyKey parses a family.key value: a decimal SigType code, ':'
// (';' in routers of 2015), and the base64 public key of the type's length.
func parseFamilyKey(s string) (SigType, []byte, error) {
	i := strings.IndexAny(s, ":;")
	if i <= 0 {
		return 0, nil, fmt.Errorf("%w: family.key %q is not <type>:<base64 key>", ErrFamily, s)
	}
	code, err := strconv.ParseUint(s[:i], 10, 16)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: family.key type %q is not a number", ErrFamily, s[:i])
	}
	t := SigType(code)
	info, ok := sigInfos[t]
	if !ok {
		return 0, nil, fmt.Errorf("%w: family.key type %v is unknown", ErrFamily, t)
	}
	key, err := i2pbase64.DecodeString(s[i+1:])
	if err != nil || len(key) != info.keyLen {
		return 0, nil, fmt.Errorf("%w: family.key is not a base64 %d-byte %v key", ErrFamily, info.keyLen, t)
	}
	return t, key, nil
}

func verifyFamilySig(t SigType, key []byte, name string, h Hash, sig []byte) error {
	if want := sigInfos[t].sigLen; len(sig) != want {
		return fmt.Errorf("%w: %d-byte signature, %v has %d", ErrFamily, len(sig), t, want)
	}
	msg := append([]byte(name), h[:]...)
	switch err := verifySig(t, key, msg, sig); {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrFamily, err)
	}
	return fmt.Errorf("%w: signature does not verify", ErrFamily)
}

// asciiLower lower-cases A-Z only, as i2pd's boost::to_lower does in the C
// locale.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
