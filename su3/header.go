package su3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// Errors a caller can test with errors.Is. Every malformed file yields an
// error that wraps ErrFormat; ErrTruncated and ErrTrailingData are reported
// for a file whose size disagrees with its header and also wrap ErrFormat.
var (
	ErrFormat       = errors.New("su3: malformed file")
	ErrTruncated    = fmt.Errorf("%w: file truncated", ErrFormat)
	ErrTrailingData = fmt.Errorf("%w: bytes after the signature", ErrFormat)
	ErrSignature    = errors.New("su3: signature does not verify")
	ErrKeyMismatch  = errors.New("su3: signer key does not fit the signature type")
)

const (
	magic          = "I2Psu3\x00"
	headerSize     = 40
	minVersionLen  = 16
	formatVersion  = 0
	maxContentSize = 1 << 40 // sanity bound; real files are at most a few hundred MiB
)

// Header is the parsed fixed header, version and signer ID of an SU3 file.
type Header struct {
	SigType     SigType
	FileType    FileType
	ContentType ContentType
	// Version is the version string without NUL padding. For reseed bundles
	// it is the signing time in Unix seconds.
	Version string
	// VersionLen is the version field's length on the wire (>= 16); zero
	// means max(16, len(Version)) when writing.
	VersionLen    int
	SignerID      string
	ContentLength int64
}

// SignedAt reads Version as the signing time in Unix seconds, the
// convention of reseed bundles (and of news and router updates from most
// signers); ok is false when it is not one (before 2001 or after 5138).
func (h *Header) SignedAt() (t time.Time, ok bool) {
	secs, err := strconv.ParseInt(h.Version, 10, 64)
	if err != nil || secs < 1e9 || secs >= 1e11 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0).UTC(), true
}

// SignedLength is the number of bytes covered by the signature.
func (h *Header) SignedLength() int64 {
	return int64(headerSize+h.versionLen()+len(h.SignerID)) + h.ContentLength
}

// Size is the length of the whole file.
func (h *Header) Size() int64 { return h.SignedLength() + int64(h.SigType.Size()) }

// ContentOffset is where the content starts.
func (h *Header) ContentOffset() int64 { return int64(headerSize + h.versionLen() + len(h.SignerID)) }

func (h *Header) versionLen() int {
	if h.VersionLen != 0 {
		return h.VersionLen
	}
	return max(minVersionLen, len(h.Version))
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// parseFixed validates the 40-byte fixed header and returns the header with
// Version and SignerID still empty, plus their lengths.
func parseFixed(b []byte) (h Header, versionLen, signerLen int, err error) {
	if len(b) != headerSize {
		return h, 0, 0, formatErr("header is %d bytes, want %d", len(b), headerSize)
	}
	switch {
	case string(b[:7]) != magic:
		return h, 0, 0, formatErr("bad magic %q, want %q", b[:7], magic)
	case b[7] != formatVersion:
		return h, 0, 0, formatErr("file format version %d, want 0", b[7])
	}
	h.SigType = SigType(binary.BigEndian.Uint16(b[8:10]))
	if !h.SigType.Known() {
		return h, 0, 0, formatErr("unknown signature type %d", uint16(h.SigType))
	}
	if n := int(binary.BigEndian.Uint16(b[10:12])); n != h.SigType.Size() {
		return h, 0, 0, formatErr("signature length %d, %v needs %d", n, h.SigType, h.SigType.Size())
	}
	versionLen, signerLen = int(b[13]), int(b[15])
	if versionLen < minVersionLen {
		return h, 0, 0, formatErr("version length %d, want >= %d", versionLen, minVersionLen)
	}
	if signerLen == 0 {
		return h, 0, 0, formatErr("empty signer ID")
	}
	cl := binary.BigEndian.Uint64(b[16:24])
	if cl == 0 || cl > maxContentSize {
		return h, 0, 0, formatErr("content length %d out of range", cl)
	}
	h.ContentLength = int64(cl)
	h.FileType, h.ContentType = FileType(b[25]), ContentType(b[27])
	for _, i := range []int{12, 14, 24, 26} {
		if b[i] != 0 {
			return h, 0, 0, formatErr("reserved byte %d is %#x, want 0", i, b[i])
		}
	}
	if !allZero(b[28:40]) {
		return h, 0, 0, formatErr("reserved bytes 28-39 are not zero")
	}
	h.VersionLen = versionLen
	return h, versionLen, signerLen, nil
}

// parseStrings fills Version and SignerID from the bytes after the fixed header.
func (h *Header) parseStrings(b []byte, versionLen int) error {
	v, s := b[:versionLen], b[versionLen:]
	if i := bytes.IndexByte(v, 0); i >= 0 {
		if !allZero(v[i:]) {
			return formatErr("version has bytes after its NUL padding")
		}
		v = v[:i]
	}
	if !utf8.Valid(v) || !utf8.Valid(s) {
		return formatErr("version or signer ID is not UTF-8")
	}
	if bytes.IndexByte(s, 0) >= 0 {
		return formatErr("signer ID contains NUL")
	}
	h.Version, h.SignerID = string(v), string(s)
	return nil
}

// AppendBinary appends the encoded header, version and signer ID to b.
func (h *Header) AppendBinary(b []byte) ([]byte, error) {
	if err := h.validate(); err != nil {
		return b, err
	}
	vl := h.versionLen()
	b = append(b, magic...)
	b = append(b, formatVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(h.SigType))
	b = binary.BigEndian.AppendUint16(b, uint16(h.SigType.Size()))
	b = append(b, 0, byte(vl), 0, byte(len(h.SignerID)))
	b = binary.BigEndian.AppendUint64(b, uint64(h.ContentLength))
	b = append(b, 0, byte(h.FileType), 0, byte(h.ContentType))
	b = append(b, make([]byte, 12)...)
	b = append(b, h.Version...)
	b = append(b, make([]byte, vl-len(h.Version))...)
	return append(b, h.SignerID...), nil
}

// validate checks that h can be written as a header every reader accepts.
func (h *Header) validate() error {
	vl := h.versionLen()
	switch {
	case !h.SigType.Known():
		return fmt.Errorf("su3: unknown signature type %d", uint16(h.SigType))
	case vl < minVersionLen || vl > 255 || len(h.Version) > vl:
		return fmt.Errorf("su3: version %q does not fit a %d-byte field", h.Version, vl)
	case bytes.IndexByte([]byte(h.Version), 0) >= 0 || !utf8.ValidString(h.Version):
		return fmt.Errorf("su3: version %q is not NUL-free UTF-8", h.Version)
	case len(h.SignerID) == 0 || len(h.SignerID) > 255:
		return fmt.Errorf("su3: signer ID must be 1-255 bytes, got %d", len(h.SignerID))
	case bytes.IndexByte([]byte(h.SignerID), 0) >= 0 || !utf8.ValidString(h.SignerID):
		return fmt.Errorf("su3: signer ID %q is not NUL-free UTF-8", h.SignerID)
	case h.ContentLength <= 0 || h.ContentLength > maxContentSize:
		return fmt.Errorf("su3: content length %d out of range", h.ContentLength)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
