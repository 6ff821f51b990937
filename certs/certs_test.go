package certs_test

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/certs"
)

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestGenerateSigner(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA-4096 generation takes seconds")
	}
	s, err := certs.GenerateSigner("you@mail.i2p", now, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkSignerCert(t, s.Cert)
	checkSignerFiles(t, s)
}

// checkSignerCert checks the certificate GenerateSigner made for you@mail.i2p
// at now: RSA-4096, the I2P subject, self-signed, ten years, no CRL.
func checkSignerCert(t *testing.T, cert *x509.Certificate) {
	t.Helper()
	pub := cert.PublicKey.(*rsa.PublicKey)
	if pub.N.BitLen() != 4096 || pub.E != 65537 {
		t.Errorf("key is RSA-%d e=%d, want RSA-4096 e=65537", pub.N.BitLen(), pub.E)
	}
	wantDN := "CN=you@mail.i2p,OU=I2P,O=I2P Anonymous Network,L=XX,C=XX"
	if got := cert.Subject.String(); got != wantDN {
		t.Errorf("subject = %q, want %q", got, wantDN)
	}
	if cert.Issuer.String() != wantDN {
		t.Errorf("issuer = %q, want %q (self-signed)", cert.Issuer, wantDN)
	}
	if len(cert.EmailAddresses) != 1 || cert.EmailAddresses[0] != "you@mail.i2p" {
		t.Errorf("e-mail SANs = %v, want [you@mail.i2p]", cert.EmailAddresses)
	}
	if years := cert.NotAfter.Sub(now).Hours() / 24 / 365; years < 9.99 || years > 10.01 {
		t.Errorf("valid for %.2f years, want 10", years)
	}
	if err := cert.CheckSignatureFrom(cert); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	if len(cert.CRLDistributionPoints) != 0 {
		t.Error("certificate names a CRL")
	}
}

// checkSignerFiles writes s into a fresh folder and checks the file names,
// the key's mode, the refusal to overwrite, and that the files load back.
func checkSignerFiles(t *testing.T, s *certs.SignerKey) {
	t.Helper()
	dir := t.TempDir()
	certPath, keyPath, err := s.WriteFiles(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(certPath) != "you_at_mail.i2p.crt" {
		t.Errorf("certificate file %s, want you_at_mail.i2p.crt", filepath.Base(certPath))
	}
	fi, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	if _, _, err := s.WriteFiles(dir, false); !errors.Is(err, certs.ErrExists) {
		t.Errorf("second write: got %v, want ErrExists", err)
	}
	loaded, err := certs.LoadSigner(keyPath, certPath)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.ID != "you@mail.i2p" {
		t.Errorf("loaded signer ID %q", loaded.ID)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("dir holds %d files, want 2 (no temporary files left)", len(ents))
	}
}

func TestSignerIDRejected(t *testing.T) {
	for _, id := range []string{"", "a/b", "a,b", "CN=x", strings.Repeat("a", 65)} {
		if _, err := certs.GenerateSigner(id, now, nil); err == nil {
			t.Errorf("GenerateSigner(%q) succeeded, want an error", id)
		}
	}
}

func TestCertFileName(t *testing.T) {
	for in, want := range map[string]string{
		"reseed@diva.exchange": "reseed_at_diva.exchange.crt",
		"a<b>@c":               "a_b__at_c.crt",
	} {
		if got := certs.CertFileName(in); got != want {
			t.Errorf("CertFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmbeddedKeyring(t *testing.T) {
	kr, err := certs.Embedded(certs.PurposeReseed)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(kr.Signers()); n < 17 {
		t.Errorf("embedded reseed keyring has %d signer IDs, want >= 17", n)
	}
	kr.Now = func() time.Time { return now }
	if _, err := kr.PublicKeys("reseed@diva.exchange"); err != nil {
		t.Errorf("diva.exchange: %v", err)
	}
	// hottuna's certificate expired on 2026-11-09.
	if _, err := kr.PublicKeys("hottuna@mail.i2p"); !errors.Is(err, certs.ErrExpired) {
		t.Errorf("hottuna@mail.i2p on %s: got %v, want ErrExpired", now.Format(time.DateOnly), err)
	}
	// lazygravy's expires 2026-12-27: valid now, expired in January.
	if _, err := kr.PublicKeys("lazygravy@mail.i2p"); err != nil {
		t.Errorf("lazygravy@mail.i2p before expiry: %v", err)
	}
	kr.Now = func() time.Time { return time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) }
	if _, err := kr.PublicKeys("lazygravy@mail.i2p"); !errors.Is(err, certs.ErrExpired) {
		t.Errorf("lazygravy@mail.i2p after expiry: got %v, want ErrExpired", err)
	}
	if _, err := kr.PublicKeys("nobody@mail.i2p"); !errors.Is(err, certs.ErrUnknownSigner) {
		t.Errorf("unknown signer: got %v, want ErrUnknownSigner", err)
	}
	for _, p := range []certs.Purpose{certs.PurposeNews, certs.PurposeRouter, certs.PurposePlugin} {
		if _, err := certs.Embedded(p); err != nil {
			t.Errorf("Embedded(%s): %v", p, err)
		}
	}
	if _, err := certs.Embedded("nope"); err == nil {
		t.Error("Embedded(nope) succeeded")
	}
}

func TestKeyringLoadDir(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile("trust/reseed/reseed_at_diva.exchange.crt")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "reseed_at_diva.exchange.crt"), b, 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a cert"), 0o644)
	kr := certs.NewKeyring()
	n, err := kr.LoadDir(dir)
	if err != nil || n != 1 {
		t.Fatalf("LoadDir = %d, %v; want 1, nil", n, err)
	}
	os.WriteFile(filepath.Join(dir, "broken.crt"), []byte("garbage"), 0o644)
	if _, err := certs.NewKeyring().LoadDir(dir); err == nil || !strings.Contains(err.Error(), "broken.crt") {
		t.Errorf("broken certificate: got %v, want an error naming broken.crt", err)
	}
}

func TestGenerateTLS(t *testing.T) {
	c, err := certs.GenerateTLS([]string{"reseed.example", "127.0.0.1", "::1"}, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Cert.DNSNames) != 1 || len(c.Cert.IPAddresses) != 2 {
		t.Errorf("SANs: DNS %v IP %v", c.Cert.DNSNames, c.Cert.IPAddresses)
	}
	dir := t.TempDir()
	cp, kp := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := c.WriteFiles(cp, kp, false); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(kp); fi.Mode().Perm() != 0o600 {
		t.Errorf("TLS key mode %v, want 0600", fi.Mode().Perm())
	}
	// A real TLS handshake over loopback with the certificate pinned.
	pair, err := tls.LoadX509KeyPair(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err == nil {
			conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(c.Cert)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS handshake with the pinned certificate: %v", err)
	}
	conn.Close()
	if _, err := certs.GenerateTLS(nil, now, nil); err == nil {
		t.Error("GenerateTLS with no hosts succeeded")
	}
}

// checkPolicy: every provider's TLS configuration follows ServerPolicy.
func checkPolicy(t *testing.T, name string, tc *tls.Config) {
	t.Helper()
	if tc.MinVersion != tls.VersionTLS12 || len(tc.CurvePreferences) == 0 || tc.CurvePreferences[0] != tls.X25519 ||
		len(tc.NextProtos) < 2 || tc.NextProtos[0] != "h2" || tc.NextProtos[1] != "http/1.1" {
		t.Errorf("%s: TLS config min %x, curves %v, ALPN %v; want certs.ServerPolicy's", name, tc.MinVersion, tc.CurvePreferences, tc.NextProtos)
	}
}

// TestFileCertProvider: a self-signed certificate and one from files are
// Providers under ServerPolicy, served by a real TLS handshake.
func TestFileCertProvider(t *testing.T) {
	dir := t.TempDir()
	p, err := certs.SelfSignedCert(dir, []string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var prov certs.Provider = p
	checkPolicy(t, "self-signed", prov.TLSConfig())
	if h := prov.HTTPHandler(http.NotFoundHandler()); h == nil {
		t.Error("no HTTP handler")
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", prov.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	served := c.ConnectionState().PeerCertificates[0]
	if got := certs.Fingerprint(served); got != prov.Fingerprint() {
		t.Errorf("served certificate %s, Fingerprint says %s", got, prov.Fingerprint())
	}
	if !prov.NotAfter().Equal(served.NotAfter) {
		t.Errorf("served certificate expires %v, NotAfter says %v", served.NotAfter, prov.NotAfter())
	}
	if err := prov.Reload(); err != nil {
		t.Error(err)
	}
}

// TestLoadOrCreateSigner: made once (key 0600), loaded after; another
// signer's files under the name are refused.
func TestLoadOrCreateSigner(t *testing.T) {
	dir := t.TempDir()
	a, created, err := certs.LoadOrCreateSigner(dir, "you@mail.i2p", time.Now())
	if err != nil || !created {
		t.Fatalf("first: %v, created %v", err, created)
	}
	if fi, err := os.Stat(filepath.Join(dir, certs.KeyFileName("you@mail.i2p"))); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v", err, fi.Mode().Perm())
	}
	b, created, err := certs.LoadOrCreateSigner(dir, "you@mail.i2p", time.Now())
	if err != nil || created || !b.Cert.Equal(a.Cert) {
		t.Fatalf("second: %v, created %v, same certificate %v", err, created, err == nil && b.Cert.Equal(a.Cert))
	}
	other := t.TempDir()
	if _, _, err := certs.LoadOrCreateSigner(other, "them@mail.i2p", time.Now()); err != nil {
		t.Fatal(err)
	}
	// Their files under our name:
	os.Rename(filepath.Join(other, certs.KeyFileName("them@mail.i2p")), filepath.Join(other, certs.KeyFileName("you@mail.i2p")))
	os.Rename(filepath.Join(other, certs.CertFileName("them@mail.i2p")), filepath.Join(other, certs.CertFileName("you@mail.i2p")))
	if _, _, err := certs.LoadOrCreateSigner(other, "you@mail.i2p", time.Now()); !errors.Is(err, certs.ErrSignerMismatch) {
		t.Errorf("another signer's files: %v, want ErrSignerMismatch", err)
	}
}
