package su3

import (
	"crypto"
	"errors"
	"fmt"
	"io"
)

// A Keyring finds the public keys trusted for a signer ID. It returns an
// error when it has no usable key, for example because the signer is unknown
// or its certificate has expired; Verify wraps that error unchanged so a
// caller can test for the keyring's own sentinels.
type Keyring interface {
	PublicKeys(signerID string) ([]crypto.PublicKey, error)
}

// A Reader gives access to an SU3 file's header and, once its signature
// verified, its content. The underlying io.ReaderAt must not change while
// the Reader is in use.
type Reader struct {
	Header
	r    io.ReaderAt
	size int64
}

// NewReader parses and validates the header of the SU3 file r of the given
// size. The size must match the header exactly: a shorter file is
// ErrTruncated, a longer one ErrTrailingData.
func NewReader(r io.ReaderAt, size int64) (*Reader, error) {
	var fixed [headerSize]byte
	if size < headerSize {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the header", ErrTruncated, size)
	}
	if _, err := r.ReadAt(fixed[:], 0); err != nil {
		return nil, fmt.Errorf("su3: read header: %w", err)
	}
	h, vl, sl, err := parseFixed(fixed[:])
	if err != nil {
		return nil, err
	}
	if size < int64(headerSize+vl+sl) {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the version and signer ID", ErrTruncated, size)
	}
	strs := make([]byte, vl+sl)
	if _, err := r.ReadAt(strs, headerSize); err != nil {
		return nil, fmt.Errorf("su3: read version and signer: %w", err)
	}
	if err := h.parseStrings(strs, vl); err != nil {
		return nil, err
	}
	switch want := h.Size(); {
	case size < want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrTruncated, size, want)
	case size > want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrTrailingData, size, want)
	}
	return &Reader{Header: h, r: r, size: size}, nil
}

// Signature returns the signature bytes at the end of the file.
func (r *Reader) Signature() ([]byte, error) {
	sig := make([]byte, r.SigType.Size())
	if _, err := r.r.ReadAt(sig, r.SignedLength()); err != nil {
		return nil, fmt.Errorf("su3: read signature: %w", err)
	}
	return sig, nil
}

// Digest hashes the signed part of the file with the signature type's hash.
func (r *Reader) Digest() ([]byte, error) {
	h := r.SigType.Hash().New()
	if _, err := io.Copy(h, io.NewSectionReader(r.r, 0, r.SignedLength())); err != nil {
		return nil, fmt.Errorf("su3: read signed data: %w", err)
	}
	return h.Sum(nil), nil
}

// Verify checks the signature against the keys kr trusts for the signer ID
// and, if one of them verifies it, returns a reader of the content.
//
// Errors: the keyring's own error when it has no key for the signer;
// ErrKeyMismatch when no trusted key fits the signature type; ErrSignature
// when the signature does not verify.
func (r *Reader) Verify(kr Keyring) (*io.SectionReader, error) {
	keys, err := kr.PublicKeys(r.SignerID)
	if err != nil {
		return nil, fmt.Errorf("su3: signer %q: %w", r.SignerID, err)
	}
	digest, err := r.Digest()
	if err != nil {
		return nil, err
	}
	sig, err := r.Signature()
	if err != nil {
		return nil, err
	}
	err = ErrKeyMismatch
	for _, k := range keys {
		e := verifyDigest(r.SigType, k, digest, sig)
		if e == nil {
			return io.NewSectionReader(r.r, r.ContentOffset(), r.ContentLength), nil
		}
		if !errors.Is(e, ErrKeyMismatch) {
			err = e
		}
	}
	return nil, fmt.Errorf("signer %q, %v: %w", r.SignerID, r.SigType, err)
}

// VerifyBundle is Verify for a reseed bundle: the file must hold
// ContentReseed as a zip (else ErrBundle), and it returns the zip's
// entries, read within lim (nil: DefaultBundleLimits).
func (r *Reader) VerifyBundle(kr Keyring, lim *BundleLimits) ([]Entry, error) {
	if r.ContentType != ContentReseed || r.FileType != FileZip {
		return nil, fmt.Errorf("%w: holds %v as %v, not a reseed zip", ErrBundle, r.ContentType, r.FileType)
	}
	c, err := r.Verify(kr)
	if err != nil {
		return nil, err
	}
	return ReadBundle(c, c.Size(), lim)
}
