package ssu2

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/i2pseed/i2pseed/internal/symmetric"
)

// ErrNoTokenYet is returned by CreateSessionRequest before a Retry gave
// a token: Java drops a SessionRequest without one silently.
var ErrNoTokenYet = errors.New("ssu2: SessionRequest needs a token (TokenRequest first)")

// Padding limits of a SessionRequest's Padding block.
const (
	sessionRequestMinPad = 8
	sessionRequestMaxPad = 40
)

// noise is the handshake's Noise state, from SessionRequest on.
type noise struct {
	ss    *symmetric.State
	ePriv PrivateKey // our ephemeral key
	re    PublicKey  // Bob's ephemeral key, from SessionCreated
}

// CreateSessionRequest builds message 1 of the Noise handshake (-> e,
// es): a long header with the token from Retry, our ephemeral key X, and
// DateTime and Padding blocks sealed with the key from es. The header
// (unmasked) and X are mixed into the handshake hash first; header and X
// are masked with Bob's intro key.
func (c *ClientHandshake) CreateSessionRequest() ([]byte, error) {
	if c.tok.IsZero() {
		return nil, ErrNoTokenYet
	}
	h := LongHeader{DestConnID: c.dst, Type: TypeSessionRequest, Version: Version, NetID: uint8(c.cfg.NetID),
		SrcConnID: c.src, Token: c.tok}
	var pn [4]byte
	if err := c.cfg.read(pn[:]); err != nil {
		return nil, err
	}
	h.PacketNumber = binary.BigEndian.Uint32(pn[:])
	if err := c.cfg.read(c.ePriv[:]); err != nil {
		return nil, err
	}
	x := c.ePriv.Public()
	pad, err := c.randomPad(sessionRequestMinPad, sessionRequestMaxPad)
	if err != nil {
		return nil, err
	}
	padding := make([]byte, pad)
	if err := c.cfg.read(padding); err != nil {
		return nil, err
	}
	payload := AppendDateTime(nil, uint32(c.cfg.now().Unix()))
	payload = AppendBlock(payload, BlockPadding, padding)

	c.ss = newSymmetricState(c.peer.Static) // <- s
	pkt, _ := h.AppendBinary(nil)
	c.ss.MixHash(pkt)  // the header
	c.ss.MixHash(x[:]) // -> e
	shared, err := dh(&c.ePriv, &c.peer.Static)
	if err != nil {
		return nil, err
	}
	c.ss.MixKey(shared) // es
	clear(shared)
	pkt = append(pkt, x[:]...)
	pkt = append(pkt, c.ss.EncryptAndHash(payload)...)
	if err := MaskHandshakeHeader(pkt, &c.peer.IntroKey, &c.peer.IntroKey); err != nil {
		return nil, err
	}
	return pkt, nil
}

// SessionCreated is what Bob's SessionCreated says.
type SessionCreated struct {
	Header   LongHeader
	Time     uint32         // Bob's clock (DateTime), seconds
	Addr     netip.AddrPort // where Bob sees us; invalid if absent
	NewToken *NewToken      // a token for our next session, if Bob gave one
	RelayTag uint32         // 0 if none
}

// ConsumeSessionCreated reads message 2 (<- e, ee): its header masked
// with Bob's intro key and k_header_2 = HKDF(ck, ZEROLEN,
// "SessCreateHeader"), the header and Y mixed into the hash, the payload
// opened with the key from ee. It proves Bob holds the static key "s" we
// encrypted to. Packets that fail leave the handshake as it was, so the
// caller may go on waiting for the genuine one. pkt is not modified.
func (c *ClientHandshake) ConsumeSessionCreated(pkt []byte) (SessionCreated, error) {
	if c.ss == nil {
		return SessionCreated{}, fmt.Errorf("%w: SessionCreated before SessionRequest", ErrPacket)
	}
	if len(pkt) < MinHandshakePacketLen {
		return SessionCreated{}, fmt.Errorf("%w: %d-byte packet", ErrHeader, len(pkt))
	}
	kh2 := hkdfKey((*Key)(&c.ss.CK), infoSessionCreated)
	defer kh2.zero()
	hx := append([]byte(nil), pkt[:LongHeaderLen+KeyLen]...)
	hx = append(hx, pkt[len(pkt)-sampleLen:]...)
	if err := MaskHandshakeHeader(hx, &c.peer.IntroKey, &kh2); err != nil {
		return SessionCreated{}, err
	}
	h, err := c.checkLongHeader(hx[:LongHeaderLen], TypeSessionCreated)
	if err != nil {
		return SessionCreated{}, err
	}
	ss := *c.ss // committed only if the packet is Bob's and valid
	defer ss.Zero()
	y := PublicKey(hx[LongHeaderLen : LongHeaderLen+KeyLen])
	ss.MixHash(hx[:LongHeaderLen]) // the header
	ss.MixHash(y[:])               // <- e
	shared, err := dh(&c.ePriv, &y)
	if err != nil {
		return SessionCreated{}, err
	}
	ss.MixKey(shared) // ee
	clear(shared)
	payload, err := decryptAndHash(&ss, pkt[LongHeaderLen+KeyLen:])
	if err != nil {
		return SessionCreated{}, fmt.Errorf("ssu2: SessionCreated: %w", err)
	}
	sc := SessionCreated{Header: h}
	if err := sc.readPayload(payload); err != nil {
		return sc, fmt.Errorf("ssu2: SessionCreated: %w", err)
	}
	if err := checkSkew(sc.Time, c.cfg.now()); err != nil {
		return sc, fmt.Errorf("ssu2: SessionCreated: %w", err)
	}
	*c.ss, c.re = ss, y // the deferred zero clears the copy only
	return sc, nil
}

// readPayload reads SessionCreated's blocks: DateTime (required),
// Address, RelayTag, NewToken; others are skipped.
func (sc *SessionCreated) readPayload(p []byte) error { return readHandshakePayload(p, sc.readBlock) }

func (sc *SessionCreated) readBlock(b Block) error {
	var err error
	switch b.Type {
	case BlockDateTime:
		sc.Time, err = ParseDateTime(b.Data)
	case BlockAddress:
		sc.Addr, err = ParseAddress(b.Data)
	case BlockNewToken:
		var t NewToken
		t, err = ParseNewToken(b.Data)
		sc.NewToken = &t
	case BlockRelayTag:
		if err = wantLen(BlockRelayTag, b.Data, 4); err == nil {
			sc.RelayTag = binary.BigEndian.Uint32(b.Data)
		}
	case BlockTermination:
		var t Termination
		if t, err = ParseTermination(b.Data); err == nil {
			err = fmt.Errorf("%w: Termination (%v) in SessionCreated", ErrBlock, t.Reason)
		}
	}
	return err
}

// Zero forgets the handshake's secrets (the Noise state and ephemeral
// key); call it when abandoning the handshake.
func (c *ClientHandshake) Zero() {
	if c.ss != nil {
		c.ss.Zero()
	}
	c.ePriv.zero()
}

// ErrNotCreated is returned by CreateSessionConfirmed before a
// SessionCreated was consumed.
var ErrNotCreated = errors.New("ssu2: SessionConfirmed before SessionCreated")

// Padding limits of SessionConfirmed's Padding block.
const (
	sessionConfirmedMinPad = 1
	sessionConfirmedMaxPad = 32
)

// SessionKeys are an established session's data phase keys, Alice's
// view: what she sends to Bob with, and what Bob sends to her with.
type SessionKeys struct {
	Send, Recv Direction
}

// Zero forgets the keys.
func (k *SessionKeys) Zero() {
	k.Send.zero()
	k.Recv.zero()
}

// CreateSessionConfirmed is CreateSessionConfirmedFragments for a
// RouterInfo that fits one packet (gzipped if need be); a bigger one is
// refused.
func (c *ClientHandshake) CreateSessionConfirmed(routerInfo []byte) ([]byte, *SessionKeys, error) {
	pkts, keys, err := c.CreateSessionConfirmedFragments(routerInfo)
	if err != nil {
		return nil, nil, err
	}
	if len(pkts) > 1 {
		keys.Zero()
		return nil, nil, fmt.Errorf("ssu2: SessionConfirmed with a %d-byte RouterInfo needs %d packets", len(routerInfo), len(pkts))
	}
	return pkts[0], keys, nil
}

// CreateSessionConfirmedFragments builds message 3 (-> s, se): a short
// header (packet number 0; fragment 0 of 1, or of 2) mixed into the
// hash; our static key sealed with the key from ee (nonce 1); then, with
// the key from se, a RouterInfo block holding routerInfo (ours, whose
// SSU2 address has our static key) and Padding. A RouterInfo too big for
// one packet goes gzipped, as i2pd sends it; one too big even so is cut,
// as i2pd cuts its own, into two packets: the first as large as a packet
// may be, the second (fragment 1 of 2, header flags 0x12) the rest, at
// least 24 bytes, each with its header masked with Bob's intro key and
// k_header_2 = HKDF(ck, ZEROLEN, "SessionConfirmed"). Bob puts them
// together before he opens them. It returns the packets and the data
// phase keys, and forgets the handshake's secrets.
func (c *ClientHandshake) CreateSessionConfirmedFragments(routerInfo []byte) ([][]byte, *SessionKeys, error) {
	if c.ss == nil || c.re.IsZero() {
		return nil, nil, ErrNotCreated
	}
	pad, err := c.randomPad(sessionConfirmedMinPad, sessionConfirmedMaxPad)
	if err != nil {
		return nil, nil, err
	}
	padding := make([]byte, pad)
	if err := c.cfg.read(padding); err != nil {
		return nil, nil, err
	}
	payload, err := sessionConfirmedPayload(routerInfo, padding)
	if err != nil {
		return nil, nil, err
	}
	fragments := byte(1)
	if ShortHeaderLen+KeyLen+16+len(payload)+16 > MaxPacketLen {
		fragments = 2
	}
	kh2 := hkdfKey((*Key)(&c.ss.CK), infoSessionConfirmed)
	defer kh2.zero()
	h := ShortHeader{DestConnID: c.dst, Type: TypeSessionConfirmed, Flags: [3]byte{fragments}} // fragment 0 of fragments
	pkt, _ := h.AppendBinary(nil)
	c.ss.MixHash(pkt) // the header
	s := c.cfg.Static.Public()
	pkt = append(pkt, c.ss.EncryptAndHash(s[:])...) // -> s
	shared, err := dh(&c.cfg.Static, &c.re)
	if err != nil {
		return nil, nil, err
	}
	c.ss.MixKey(shared) // se
	clear(shared)
	pkt = append(pkt, c.ss.EncryptAndHash(payload)...)
	pkts := splitConfirmed(pkt, h)
	for _, p := range pkts {
		if err := MaskShortHeader(p, &c.peer.IntroKey, &kh2); err != nil {
			return nil, nil, err
		}
	}
	ab, ba := splitDataKeys((*Key)(&c.ss.CK))
	c.Zero()
	return pkts, &SessionKeys{
		Send: Direction{ConnID: c.dst, Intro: c.peer.IntroKey, Keys: ab},
		Recv: Direction{ConnID: c.src, Intro: c.cfg.IntroKey, Keys: ba},
	}, nil
}

// minConfirmedTail is the least a second SessionConfirmed fragment
// carries after its header: its header mask is seeded by its last 24
// bytes.
const minConfirmedTail = 24

// splitConfirmed cuts a SessionConfirmed packet pkt (unmasked, header h)
// too big for one packet into two: pkt's first MaxPacketLen bytes (less,
// to leave the second minConfirmedTail), then a header of fragment 1 of 2
// and the rest.
func splitConfirmed(pkt []byte, h ShortHeader) [][]byte {
	if len(pkt) <= MaxPacketLen {
		return [][]byte{pkt}
	}
	cut := min(MaxPacketLen, len(pkt)-minConfirmedTail)
	h.Flags[0] = 0x12 // fragment 1 of 2
	second, _ := h.AppendBinary(nil)
	return [][]byte{pkt[:cut:cut], append(second, pkt[cut:]...)}
}

// sessionConfirmedPayload is the RouterInfo block (gzipped if it does not
// fit one packet uncompressed) and padding, for one packet or, when the
// RouterInfo does not fit one gzipped, two.
func sessionConfirmedPayload(routerInfo, padding []byte) ([]byte, error) {
	room := MaxPacketLen - ShortHeaderLen - KeyLen - 16 - 16
	payload := AppendBlock(AppendRouterInfoBlock(nil, routerInfo), BlockPadding, padding)
	if len(payload) <= room {
		return payload, nil
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(routerInfo)
	zw.Close()
	payload = AppendBlock(nil, BlockRouterInfo, append([]byte{riFlagGzip, 0x01}, z.Bytes()...))
	if len(payload) > room {
		room += MaxPacketLen - ShortHeaderLen // a second fragment
	}
	if len(payload) > room {
		return nil, fmt.Errorf("ssu2: SessionConfirmed of %d bytes with a %d-byte RouterInfo gzipped to %d, over two packets of %d",
			ShortHeaderLen+KeyLen+16+len(payload)+16, len(routerInfo), z.Len(), MaxPacketLen)
	}
	if free := room - len(payload) - blockHeaderLen; free >= 0 {
		payload = AppendBlock(payload, BlockPadding, padding[:min(len(padding), free)])
	}
	return payload, nil
}
