package ntcp2

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/i2pseed/i2pseed/internal/symmetric"
	"github.com/i2pseed/i2pseed/netdb"
)

// Sizes fixed by the spec.
const (
	keyLen          = 32
	optionsLen      = 16
	tagLen          = 16
	msg1FixedLen    = keyLen + optionsLen + tagLen // 64
	msg2FixedLen    = msg1FixedLen
	msg3Part1Len    = keyLen + tagLen // 48
	protocolVersion = 2
	maxClockSkew    = 60 * time.Second
)

// A Peer is what Alice knows of Bob from his RouterInfo's NTCP2 address.
type Peer struct {
	RouterHash [32]byte  // AES key for the obfuscation
	IV         [16]byte  // published "i"
	Static     PublicKey // published "s"
}

// Config holds what both sides need. Rand and Now are injectable so tests
// are deterministic.
type Config struct {
	NetID  netdb.NetID
	Static PrivateKey // our NTCP2 static key
	Rand   io.Reader
	Now    func() time.Time
	// Padding, if set, fixes how many bytes of padding go into each
	// handshake message and data frame (at most max); nil draws them at
	// random within the limits of padding.go, as real routers do. For
	// tests, which replay recorded sessions with it.
	Padding func(max int) int
}

func (c *Config) rand() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// keypair reads a 32-byte private key from r, as flynn/noise does.
func keypair(r io.Reader) (priv PrivateKey, pub PublicKey, err error) {
	if _, err = io.ReadFull(r, priv[:]); err != nil {
		return priv, pub, fmt.Errorf("ntcp2: ephemeral key: %w", err)
	}
	return priv, priv.Public(), nil
}

// Keys are the data phase keys a handshake yields.
type Keys struct {
	Send, Recv       [32]byte  // ChaCha20-Poly1305 keys
	SipSend, SipRecv [32]byte  // SipHash k0 | k1 | IV (24 bytes used)
	PeerStatic       PublicKey // the other side's static key
}

func (k *Keys) zero() {
	clear(k.Send[:])
	clear(k.Recv[:])
	clear(k.SipSend[:])
	clear(k.SipRecv[:])
}

// split derives the data phase keys (Alice sends with k_ab).
func split(ss *symmetric.State, alice bool) Keys {
	temp := hmacSHA256(ss.CK[:], nil)
	kab := hmacSHA256(temp[:], []byte{1})
	kba := hmacSHA256(temp[:], kab[:], []byte{2})
	askMaster := hmacSHA256(temp[:], []byte("ask"), []byte{1})
	temp2 := hmacSHA256(askMaster[:], ss.H[:], []byte("siphash"))
	sipMaster := hmacSHA256(temp2[:], []byte{1})
	temp3 := hmacSHA256(sipMaster[:], nil)
	sipab := hmacSHA256(temp3[:], []byte{1})
	sipba := hmacSHA256(temp3[:], sipab[:], []byte{2})
	for _, b := range [][]byte{temp[:], askMaster[:], temp2[:], sipMaster[:], temp3[:]} {
		clear(b)
	}
	if alice {
		return Keys{Send: kab, Recv: kba, SipSend: sipab, SipRecv: sipba}
	}
	return Keys{Send: kba, Recv: kab, SipSend: sipba, SipRecv: sipab}
}

// aesCBC en/decrypts exactly one 32-byte key, continuing CBC from iv.
func aesCBC(key [32]byte, iv []byte, data []byte, encrypt bool) []byte {
	block, _ := aes.NewCipher(key[:])
	out := make([]byte, len(data))
	if encrypt {
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, data)
	} else {
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	}
	return out
}

// readFull reads n bytes of a handshake message; a failure wraps missing
// (ErrNoMessage1, 2 or 3) with the read error.
func readFull(r io.Reader, n int, missing error) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("%w: %w: %w", ErrHandshake, missing, err)
	}
	return b, nil
}

func checkSkew(ts uint32, now time.Time) error {
	d := now.Sub(time.Unix(int64(ts), 0))
	if d > maxClockSkew || d < -maxClockSkew {
		return fmt.Errorf("%w: %w %v", ErrHandshake, ErrClockSkew, d.Round(time.Second))
	}
	return nil
}

// ClientHandshake is Alice's side of one handshake, its steps named as in
// the spec and called in order by Run.
type ClientHandshake struct {
	cfg      *Config
	peer     Peer
	ss       *symmetric.State
	ePriv    PrivateKey
	ePub     PublicKey
	obfIV    []byte    // last 16 bytes of AES(X): the IV for Y
	re       PublicKey // Bob's ephemeral
	m3p2Len  int
	localPub PublicKey
}

// NewClientHandshake prepares Alice's handshake with Bob. m3Payload is the
// length of the plaintext Alice will send in message 3 part 2.
func NewClientHandshake(cfg *Config, peer Peer, m3PayloadLen int) *ClientHandshake {
	return &ClientHandshake{cfg: cfg, peer: peer, m3p2Len: m3PayloadLen + tagLen, localPub: cfg.Static.Public()}
}

// SessionRequest builds message 1.
func (c *ClientHandshake) SessionRequest() ([]byte, error) {
	var err error
	if c.ePriv, c.ePub, err = keypair(c.cfg.rand()); err != nil {
		return nil, err
	}
	c.ss = newSymmetricState()
	c.ss.MixHash(c.peer.Static[:]) // <- s
	c.ss.MixHash(c.ePub[:])        // -> e
	shared, err := dh(c.ePriv[:], c.peer.Static[:])
	if err != nil {
		return nil, err
	}
	c.ss.MixKey(shared) // es
	clear(shared)
	pad := c.cfg.padding(0, sendPadding1)
	var opts [optionsLen]byte
	opts[0], opts[1] = byte(c.cfg.NetID), protocolVersion
	binary.BigEndian.PutUint16(opts[2:], uint16(pad))
	binary.BigEndian.PutUint16(opts[4:], uint16(c.m3p2Len))
	binary.BigEndian.PutUint32(opts[8:], uint32(c.cfg.now().Unix()))
	encX := aesCBC(c.peer.RouterHash, c.peer.IV[:], c.ePub[:], true)
	c.obfIV = encX[16:]
	msg := append(encX, c.ss.EncryptAndHash(opts[:])...)
	padding := make([]byte, pad)
	if _, err := io.ReadFull(c.cfg.rand(), padding); err != nil {
		return nil, err
	}
	if pad > 0 {
		c.ss.MixHash(padding)
	}
	return append(msg, padding...), nil
}

// ReadSessionCreated reads and checks message 2.
func (c *ClientHandshake) ReadSessionCreated(r io.Reader) error {
	b, err := readFull(r, msg2FixedLen, ErrNoMessage2)
	if err != nil {
		return err
	}
	y := aesCBC(c.peer.RouterHash, c.obfIV, b[:keyLen], false)
	c.ss.MixHash(y) // <- e
	shared, err := dh(c.ePriv[:], y)
	if err != nil {
		return err
	}
	c.ss.MixKey(shared) // ee
	clear(shared)
	opts, err := decryptAndHash(c.ss, b[keyLen:])
	if err != nil {
		return err
	}
	if err := checkSkew(binary.BigEndian.Uint32(opts[8:]), c.cfg.now()); err != nil {
		return err
	}
	if pad := int(binary.BigEndian.Uint16(opts[2:])); pad > 0 {
		if pad > maxPadding { // as i2pd and Java: at most 287-byte messages
			return fmt.Errorf("%w: padding %d", ErrHandshake, pad)
		}
		padding, err := readFull(r, pad, ErrNoMessage2)
		if err != nil {
			return err
		}
		c.ss.MixHash(padding)
	}
	c.re = PublicKey(y)
	return nil
}

// SessionConfirmed builds message 3 with payload (blocks, RouterInfo
// first) and returns it with the data phase keys.
func (c *ClientHandshake) SessionConfirmed(payload []byte) ([]byte, Keys, error) {
	if len(payload)+tagLen != c.m3p2Len {
		return nil, Keys{}, fmt.Errorf("ntcp2: message 3 payload is %d bytes, message 1 announced %d", len(payload), c.m3p2Len-tagLen)
	}
	msg := c.ss.EncryptAndHash(c.localPub[:]) // -> s (k from ee, n = 1)
	shared, err := dh(c.cfg.Static[:], c.re[:])
	if err != nil {
		return nil, Keys{}, err
	}
	c.ss.MixKey(shared) // se
	clear(shared)
	msg = append(msg, c.ss.EncryptAndHash(payload)...)
	keys := split(c.ss, true)
	keys.PeerStatic = c.peer.Static
	c.ss.Zero()
	c.ePriv.zero()
	return msg, keys, nil
}

// ServerHandshake is Bob's side of one handshake.
type ServerHandshake struct {
	cfg        *Config
	routerHash [32]byte
	iv         [16]byte
	ss         *symmetric.State
	re         PublicKey // Alice's ephemeral
	obfIV      []byte
	ePriv      PrivateKey
	m3p2Len    int
	localPub   PublicKey
}

// NewServerHandshake prepares Bob's side; routerHash and iv are his
// published hash and "i".
func NewServerHandshake(cfg *Config, routerHash [32]byte, iv [16]byte) *ServerHandshake {
	return &ServerHandshake{cfg: cfg, routerHash: routerHash, iv: iv, localPub: cfg.Static.Public()}
}

// ReadSessionRequest reads and checks message 1.
func (s *ServerHandshake) ReadSessionRequest(r io.Reader) error {
	b, err := readFull(r, msg1FixedLen, ErrNoMessage1)
	if err != nil {
		return err
	}
	x := aesCBC(s.routerHash, s.iv[:], b[:keyLen], false)
	s.obfIV = b[16:keyLen]
	s.re = PublicKey(x)
	s.ss = newSymmetricState()
	s.ss.MixHash(s.localPub[:])
	s.ss.MixHash(x)
	shared, err := dh(s.cfg.Static[:], x)
	if err != nil {
		return err
	}
	s.ss.MixKey(shared)
	clear(shared)
	opts, err := decryptAndHash(s.ss, b[keyLen:])
	if err != nil {
		return err
	}
	switch {
	case opts[0] != 0 && netdb.NetID(opts[0]) != s.cfg.NetID:
		return fmt.Errorf("%w: netId %d, want %d", ErrHandshake, opts[0], s.cfg.NetID)
	case opts[1] != protocolVersion:
		return fmt.Errorf("%w: version %d", ErrHandshake, opts[1])
	}
	if err := checkSkew(binary.BigEndian.Uint32(opts[8:]), s.cfg.now()); err != nil {
		return err
	}
	s.m3p2Len = int(binary.BigEndian.Uint16(opts[4:]))
	if s.m3p2Len < tagLen {
		return fmt.Errorf("%w: message 3 length %d", ErrHandshake, s.m3p2Len)
	}
	if pad := int(binary.BigEndian.Uint16(opts[2:])); pad > 0 {
		if pad > maxPadding {
			return fmt.Errorf("%w: padding %d", ErrHandshake, pad)
		}
		padding, err := readFull(r, pad, ErrNoMessage1)
		if err != nil {
			return err
		}
		s.ss.MixHash(padding)
	}
	return nil
}

// SessionCreated builds message 2.
func (s *ServerHandshake) SessionCreated() ([]byte, error) {
	ePriv, ePub, err := keypair(s.cfg.rand())
	if err != nil {
		return nil, err
	}
	s.ePriv = ePriv
	s.ss.MixHash(ePub[:])
	shared, err := dh(ePriv[:], s.re[:])
	if err != nil {
		return nil, err
	}
	s.ss.MixKey(shared)
	clear(shared)
	pad := s.cfg.padding(sendPadding2Min, sendPadding2Max)
	var opts [optionsLen]byte
	binary.BigEndian.PutUint16(opts[2:], uint16(pad))
	binary.BigEndian.PutUint32(opts[8:], uint32(s.cfg.now().Unix()))
	msg := append(aesCBC(s.routerHash, s.obfIV, ePub[:], true), s.ss.EncryptAndHash(opts[:])...)
	padding := make([]byte, pad)
	if _, err := io.ReadFull(s.cfg.rand(), padding); err != nil {
		return nil, err
	}
	if pad > 0 {
		s.ss.MixHash(padding)
	}
	return append(msg, padding...), nil
}

// ReadSessionConfirmed reads message 3 and returns its payload (blocks)
// and the data phase keys, whose PeerStatic is Alice's static key: the
// caller must check it against her RouterInfo.
func (s *ServerHandshake) ReadSessionConfirmed(r io.Reader) ([]byte, Keys, error) {
	b, err := readFull(r, msg3Part1Len+s.m3p2Len, ErrNoMessage3)
	if err != nil {
		return nil, Keys{}, err
	}
	rs, err := decryptAndHash(s.ss, b[:msg3Part1Len])
	if err != nil {
		return nil, Keys{}, err
	}
	shared, err := dh(s.ePriv[:], rs)
	if err != nil {
		return nil, Keys{}, err
	}
	s.ss.MixKey(shared)
	clear(shared)
	payload, err := decryptAndHash(s.ss, b[msg3Part1Len:])
	if err != nil {
		return nil, Keys{}, err
	}
	keys := split(s.ss, false)
	keys.PeerStatic = PublicKey(rs)
	s.ss.Zero()
	s.ePriv.zero()
	return payload, keys, nil
}
