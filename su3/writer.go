package su3

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"fmt"
	"io"
)

// A Signer signs SU3 files.
type Signer struct {
	// ID is the signer ID written into the header; verifiers look up the
	// certificate by it (for reseed bundles: the certificate's CN).
	ID string
	// Key signs. RSA keys must use exponent 65537.
	Key crypto.Signer
	// Type is the signature type; zero means the one SigTypeForKey picks
	// (type 0, DSA, is never used to sign).
	Type SigType
	// Rand is the randomness for ECDSA; nil means crypto/rand.
	Rand io.Reader
}

func (s *Signer) sigType() (SigType, error) {
	if s.Type != 0 {
		return s.Type, nil
	}
	return SigTypeForKey(s.Key.Public())
}

// Write streams an SU3 file to w: the header from h (its SigType and
// SignerID are taken from s), exactly h.ContentLength bytes read from
// content, then the signature over both.
func Write(w io.Writer, h Header, content io.Reader, s *Signer) error {
	t, err := s.sigType()
	if err != nil {
		return err
	}
	h.SigType, h.SignerID = t, s.ID
	hdr, err := h.AppendBinary(nil)
	if err != nil {
		return err
	}
	if !fits(t, s.Key.Public()) {
		return fmt.Errorf("%w: %T key for %v", ErrKeyMismatch, s.Key.Public(), t)
	}
	hash := t.Hash().New()
	mw := io.MultiWriter(w, hash)
	if _, err := mw.Write(hdr); err != nil {
		return fmt.Errorf("su3: write header: %w", err)
	}
	n, err := io.Copy(mw, io.LimitReader(content, h.ContentLength))
	if err != nil {
		return fmt.Errorf("su3: write content: %w", err)
	}
	if n != h.ContentLength {
		return fmt.Errorf("su3: content is %d bytes, header says %d", n, h.ContentLength)
	}
	rnd := s.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	sig, err := signDigest(t, s.Key, hash.Sum(nil), rnd)
	if err != nil {
		return err
	}
	if _, err := w.Write(sig); err != nil {
		return fmt.Errorf("su3: write signature: %w", err)
	}
	return nil
}

// Sign returns a complete SU3 file holding content.
func Sign(h Header, content []byte, s *Signer) ([]byte, error) {
	h.ContentLength = int64(len(content))
	var buf bytes.Buffer
	if err := Write(&buf, h, bytes.NewReader(content), s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
