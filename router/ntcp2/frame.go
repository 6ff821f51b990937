package ntcp2

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/dchest/siphash"
	"github.com/flynn/noise"

	"github.com/i2pseed/i2pseed/router/transport"
)

// MaxFrame is the largest frame plaintext (65535 minus the tag).
const MaxFrame = 65535 - tagLen

// ErrFrame is wrapped by data phase errors; it matches transport.ErrFrame.
var ErrFrame = transport.KindError("ntcp2: bad frame", transport.ErrFrame)

// lengthMask hides frame lengths: each frame's 2-byte length is XORed with
// the low 16 bits of SipHash-2-4(k0, k1, IV), and the hash's 8 bytes
// become the next IV.
type lengthMask struct {
	k0, k1 uint64
	iv     [8]byte
}

func newLengthMask(key [32]byte) *lengthMask {
	m := &lengthMask{k0: binary.LittleEndian.Uint64(key[0:8]), k1: binary.LittleEndian.Uint64(key[8:16])}
	copy(m.iv[:], key[16:24])
	return m
}

func (m *lengthMask) next() uint16 {
	v := siphash.Hash(m.k0, m.k1, m.iv[:])
	binary.LittleEndian.PutUint64(m.iv[:], v)
	return uint16(v)
}

// A FrameWriter encrypts frames in one direction of a session.
type FrameWriter struct {
	w      io.Writer
	cipher noise.Cipher // flynn/noise's ChaChaPoly: nonce n as Noise encodes it, no ad
	n      uint64
	mask   *lengthMask
}

// A FrameReader decrypts frames in one direction of a session.
type FrameReader struct {
	r      io.Reader
	cipher noise.Cipher
	n      uint64
	mask   *lengthMask
	// Frames counts frames read, for Termination blocks.
	Frames uint64
}

// NewFrameWriter and NewFrameReader start the data phase from the keys of
// a completed handshake.
func NewFrameWriter(w io.Writer, k *Keys) *FrameWriter {
	return &FrameWriter{w: w, cipher: noise.CipherChaChaPoly.Cipher(k.Send), mask: newLengthMask(k.SipSend)}
}

func NewFrameReader(r io.Reader, k *Keys) *FrameReader {
	return &FrameReader{r: r, cipher: noise.CipherChaChaPoly.Cipher(k.Recv), mask: newLengthMask(k.SipRecv)}
}

// WriteFrame encrypts and sends one frame.
func (f *FrameWriter) WriteFrame(plaintext []byte) error {
	if len(plaintext) > MaxFrame {
		return fmt.Errorf("%w: %d-byte frame", ErrFrame, len(plaintext))
	}
	out := make([]byte, 2, 2+len(plaintext)+tagLen)
	binary.BigEndian.PutUint16(out, uint16(len(plaintext)+tagLen)^f.mask.next())
	out = f.cipher.Encrypt(out, f.n, nil, plaintext)
	f.n++
	_, err := f.w.Write(out)
	return err
}

// ReadFrame reads and decrypts one frame.
func (f *FrameReader) ReadFrame() ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(f.r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(l[:]) ^ f.mask.next())
	if n < tagLen {
		return nil, fmt.Errorf("%w: length %d", ErrFrame, n)
	}
	ct := make([]byte, n)
	if _, err := io.ReadFull(f.r, ct); err != nil {
		return nil, err
	}
	pt, err := f.cipher.Decrypt(ct[:0], f.n, nil, ct)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFrame, err)
	}
	f.n++
	f.Frames++
	return pt, nil
}
