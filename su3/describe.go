package su3

import (
	"crypto"
	"crypto/x509"
)

// A CertKeyring is a Keyring that also lists the certificates it holds for
// a signer, valid or not, as certs.Keyring does.
type CertKeyring interface {
	Keyring
	Certificates(signerID string) []*x509.Certificate
}

// Info is what Describe learns about an SU3 file.
type Info struct {
	Header
	// Key is the trusted key that verified the signature, nil if none did.
	Key crypto.PublicKey
	// Certificates are, if the keyring is a CertKeyring, the certificate
	// of Key or, when no key verified, every one it holds for the signer.
	Certificates []*x509.Certificate
	// Err says why the file does not verify, nil if it does.
	Err error
	// Entries counts the RouterInfos of a verified reseed bundle.
	Entries int
}

// Verified reports whether the file verified.
func (i *Info) Verified() bool { return i.Err == nil }

// Describe verifies r as Verify does, or a reseed bundle (ContentReseed)
// as VerifyBundle does within lim, and reports the outcome instead of
// failing. When kr has no key for the signer it reads nothing more than
// NewReader did; else the content once, for the digest, the signature, and
// a verified bundle's zip.
func (r *Reader) Describe(kr Keyring, lim *BundleLimits) Info {
	info := Info{Header: r.Header}
	if r.ContentType != ContentReseed {
		info.Key, _, info.Err = r.verify(kr)
	} else {
		var entries []Entry
		info.Key, entries, info.Err = r.verifyBundle(kr, lim)
		info.Entries = len(entries)
	}
	if ck, ok := kr.(CertKeyring); ok {
		info.Certificates = certificatesOf(ck.Certificates(r.SignerID), info.Key)
	}
	return info
}

// certificatesOf returns the one of certs whose key is key or, if none
// is, all of them.
func certificatesOf(certs []*x509.Certificate, key crypto.PublicKey) []*x509.Certificate {
	for _, c := range certs {
		if k, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && key != nil && k.Equal(key) {
			return []*x509.Certificate{c}
		}
	}
	return certs
}
