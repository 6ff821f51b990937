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
	r   io.ReaderAt
	raw []byte // the header, version and signer ID as read
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
	raw := append(fixed[:], make([]byte, vl+sl)...)
	if _, err := r.ReadAt(raw[headerSize:], headerSize); err != nil {
		return nil, fmt.Errorf("su3: read version and signer: %w", err)
	}
	if err := h.parseStrings(raw[headerSize:], vl); err != nil {
		return nil, err
	}
	switch want := h.Size(); {
	case size < want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrTruncated, size, want)
	case size > want:
		return nil, fmt.Errorf("%w: %d bytes, header says %d", ErrTrailingData, size, want)
	}
	return &Reader{Header: h, r: r, raw: raw}, nil
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
// It reads the content once; the header it hashes as NewReader read it.
func (r *Reader) Digest() ([]byte, error) {
	return r.copyContent(io.Discard)
}

// copyContent copies the content to w and returns the digest of the signed
// part of the file: the header as NewReader read it, then the content.
// An error writing to w is returned as a *WriteError.
func (r *Reader) copyContent(w io.Writer) ([]byte, error) {
	h := r.SigType.Hash().New()
	h.Write(r.raw)
	dst := &writeRecorder{w: w}
	if _, err := io.Copy(io.MultiWriter(h, dst), r.content()); err != nil {
		if dst.err != nil {
			return nil, &WriteError{Err: dst.err}
		}
		return nil, fmt.Errorf("su3: read signed data: %w", err)
	}
	return h.Sum(nil), nil
}

// writeRecorder keeps the error its writer returned, to tell it apart from
// a read error in io.Copy.
type writeRecorder struct {
	w   io.Writer
	err error
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}

func (r *Reader) content() *io.SectionReader {
	return io.NewSectionReader(r.r, r.ContentOffset(), r.ContentLength)
}

// Verify checks the signature against the keys kr trusts for the signer ID
// and, if one of them verifies it, returns a reader of the content.
//
// Errors: the keyring's own error when it has no key for the signer;
// ErrKeyMismatch when no trusted key fits the signature type; ErrSignature
// when the signature does not verify.
func (r *Reader) Verify(kr Keyring) (*io.SectionReader, error) {
	if _, _, err := r.verify(kr); err != nil {
		return nil, err
	}
	return r.content(), nil
}

// verify is Verify returning the key that verified the signature and the
// digest it verified.
func (r *Reader) verify(kr Keyring) (crypto.PublicKey, []byte, error) {
	keys, err := kr.PublicKeys(r.SignerID)
	if err != nil {
		return nil, nil, fmt.Errorf("su3: signer %q: %w", r.SignerID, err)
	}
	digest, err := r.Digest()
	if err != nil {
		return nil, nil, err
	}
	key, err := r.checkSignature(keys, digest)
	return key, digest, err
}

// checkSignature returns the first of keys that verifies the signature over
// digest.
func (r *Reader) checkSignature(keys []crypto.PublicKey, digest []byte) (crypto.PublicKey, error) {
	sig, err := r.Signature()
	if err != nil {
		return nil, err
	}
	err = ErrKeyMismatch
	for _, k := range keys {
		e := verifyDigest(r.SigType, k, digest, sig)
		if e == nil {
			return k, nil
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
	_, entries, err := r.verifyBundle(kr, lim)
	return entries, err
}

// verifyBundle is VerifyBundle also returning the key that verified the
// signature, if one did, even when the zip is refused.
func (r *Reader) verifyBundle(kr Keyring, lim *BundleLimits) (crypto.PublicKey, []Entry, error) {
	if r.ContentType != ContentReseed || r.FileType != FileZip {
		return nil, nil, fmt.Errorf("%w: holds %v as %v, not a reseed zip", ErrBundle, r.ContentType, r.FileType)
	}
	key, _, err := r.verify(kr)
	if err != nil {
		return nil, nil, err
	}
	c := r.content()
	entries, err := ReadBundle(c, c.Size(), lim)
	return key, entries, err
}
