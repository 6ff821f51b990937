package certs

import (
	"crypto"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/su3"
)

// Errors a Keyring returns from PublicKeys, testable with errors.Is.
var (
	ErrUnknownSigner = errors.New("certs: unknown signer")
	ErrExpired       = errors.New("certs: signer certificate expired")
	ErrNotYetValid   = errors.New("certs: signer certificate not yet valid")
)

// Purpose names a set of embedded signer certificates, one per su3 content
// type family, as routers keep them in certificates/<purpose>/.
type Purpose string

const (
	PurposeReseed Purpose = "reseed"
	PurposeNews   Purpose = "news"
	PurposeRouter Purpose = "router"
	PurposePlugin Purpose = "plugin"
)

// trust holds the public signer certificates shipped by i2pd and go-i2p.
//
//go:embed trust/reseed/*.crt trust/news/*.crt trust/router/*.crt trust/plugin/*.crt
var trust embed.FS

// A Keyring maps signer IDs to trusted certificates and enforces their
// validity dates. It implements su3.Keyring. The zero value is not usable;
// make one with NewKeyring or Embedded. A Keyring is not safe for
// concurrent modification, but concurrent PublicKeys calls are fine.
type Keyring struct {
	// Now is the clock for validity checks; nil means time.Now.
	Now  func() time.Time
	byID map[string][]*x509.Certificate
}

// NewKeyring returns an empty keyring.
func NewKeyring() *Keyring { return &Keyring{byID: map[string][]*x509.Certificate{}} }

// PurposeOf is the set of signers trusted for an su3 content type, as Java
// I2P keeps them: news and blocklists by the news signers, router and
// plugin updates by their own, everything else by the reseed signers.
func PurposeOf(ct su3.ContentType) Purpose {
	switch ct {
	case su3.ContentNews, su3.ContentBlocklist:
		return PurposeNews
	case su3.ContentRouter:
		return PurposeRouter
	case su3.ContentPlugin:
		return PurposePlugin
	}
	return PurposeReseed
}

// Embedded returns a keyring of the certificates shipped for purpose.
func Embedded(p Purpose) (*Keyring, error) {
	k := NewKeyring()
	if _, err := k.LoadFS(trust, path.Join("trust", string(p))); err != nil {
		return nil, err
	}
	if len(k.byID) == 0 {
		return nil, fmt.Errorf("certs: no embedded certificates for %q", p)
	}
	return k, nil
}

// Add trusts c for its subject CN and each of its e-mail SANs.
func (k *Keyring) Add(c *x509.Certificate) error {
	ids := signerIDs(c)
	if len(ids) == 0 {
		return errors.New("certs: certificate has neither CN nor e-mail SAN")
	}
	for _, id := range ids {
		if !slices.ContainsFunc(k.byID[id], c.Equal) {
			k.byID[id] = append(k.byID[id], c)
		}
	}
	return nil
}

func signerIDs(c *x509.Certificate) []string {
	var ids []string
	if c.Subject.CommonName != "" {
		ids = append(ids, c.Subject.CommonName)
	}
	for _, e := range c.EmailAddresses {
		if !slices.Contains(ids, e) {
			ids = append(ids, e)
		}
	}
	return ids
}

// LoadDir trusts every *.crt and *.pem certificate in dir (not recursive)
// and returns how many it added. A file that does not parse is an error
// naming it.
func (k *Keyring) LoadDir(dir string) (int, error) {
	n, err := k.LoadFS(os.DirFS(dir), ".")
	if err != nil {
		return n, fmt.Errorf("%s: %w", dir, err)
	}
	return n, nil
}

// LoadFS is LoadDir over dir inside fsys.
func (k *Keyring) LoadFS(fsys fs.FS, dir string) (int, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return 0, fmt.Errorf("certs: %w", err)
	}
	n := 0
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".crt") || strings.HasSuffix(name, ".pem")) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return n, fmt.Errorf("certs: %w", err)
		}
		c, err := ParseCertificate(b)
		if err != nil {
			return n, fmt.Errorf("certs: %s: %w", name, err)
		}
		if err := k.Add(c); err != nil {
			return n, fmt.Errorf("%s: %w", name, err)
		}
		n++
	}
	return n, nil
}

// Signers lists the signer IDs the keyring knows, sorted.
func (k *Keyring) Signers() []string {
	ids := make([]string, 0, len(k.byID))
	for id := range k.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Certificates returns every certificate trusted for id, valid or not.
func (k *Keyring) Certificates(id string) []*x509.Certificate {
	return slices.Clone(k.byID[id])
}

func (k *Keyring) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

// PublicKeys returns the keys of id's certificates that are valid now.
// It fails with ErrUnknownSigner, or with ErrExpired or ErrNotYetValid when
// id is known but none of its certificates is valid.
func (k *Keyring) PublicKeys(id string) ([]crypto.PublicKey, error) {
	certs := k.byID[id]
	if len(certs) == 0 {
		return nil, ErrUnknownSigner
	}
	now := k.now()
	var keys []crypto.PublicKey
	var err error
	for _, c := range certs {
		switch {
		case now.After(c.NotAfter):
			err = fmt.Errorf("%w on %s", ErrExpired, c.NotAfter.UTC().Format(time.DateOnly))
		case now.Before(c.NotBefore):
			err = fmt.Errorf("%w before %s", ErrNotYetValid, c.NotBefore.UTC().Format(time.DateOnly))
		default:
			keys = append(keys, c.PublicKey)
		}
	}
	if len(keys) == 0 {
		return nil, err
	}
	return keys, nil
}
