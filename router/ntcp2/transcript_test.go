package ntcp2

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/i2np"
	"github.com/i2pseed/i2pseed/router/transport"
)

// Transcripts are NTCP2 sessions of ours with real routers (i2pd 2.58,
// i2pd 2.45.1, Java I2P 2.7.0), every byte each side sent, kept in
// testdata/transcripts (format: its README.md): outbound ones, where our
// Alice dialled the peer, and inbound ones, where the peer dialled our
// Bob. TestTranscripts replays each in memory, without root or network:
// our side, with the recorded randomness and clock, must write byte for
// byte what it wrote then (handshake messages and every data frame),
// accept the peer's handshake messages, and decrypt and decode every
// frame the peer sent, its I2NP messages with package i2np. So a change
// of the handshake, the framing, the padding or an I2NP codec fails plain
// `go test`, checked against what real peers sent and accepted.
//
// `go test ./router/ntcp2 -run Transcripts -update` records them anew
// (transcript_record_test.go: root, i2pd, Java I2P) before replaying them.
var update = flag.Bool("update", false, "record testdata/transcripts against real i2pd and Java I2P routers (root) before replaying them")

const (
	transcriptDir = "testdata/transcripts"
	// i2npSeedDir holds the I2NP messages of each transcript in plain
	// hex, for package i2np's tests and fuzz targets (which cannot import
	// this package); TestTranscripts checks they match.
	i2npSeedDir = "../i2np/testdata/transcripts"
)

// A transcript is one recorded session. []byte fields are standard
// base64 in JSON.
type transcript struct {
	Comment string `json:"comment"`
	Peer    string `json:"peer"` // implementation and version of the peer
	// Side is ours: "alice" when we dialled the peer, "bob" when it
	// dialled us.
	Side  string `json:"side"`
	NetID int    `json:"netId"`
	// Now is our clock (Config.Now) in Unix seconds, fixed for the whole
	// session: our handshake timestamp and our I2NP messages' times.
	Now int64 `json:"now"`
	// Seed drives all of our choices: Config.Rand is ChaCha8(Seed); the
	// padding sizes, and the script's message IDs, lookup key and reply
	// token come from ChaCha8 generators seeded with SHA-256("padding " |
	// Seed) and SHA-256("script " | Seed).
	Seed   []byte `json:"seed"`
	Static []byte `json:"static"` // our NTCP2 static private key
	// RouterInfo is ours: as Alice, the one message 3 carries; as Bob,
	// the one the peer found, whose NTCP2 address has our s and i.
	RouterInfo []byte `json:"routerInfo"`
	// PeerRouterInfo is the peer's: as Bob published it (its hash, s and
	// i), or as Alice sent it in message 3.
	PeerRouterInfo []byte `json:"peerRouterInfo"`
	// FramesRead is how many of the peer's frames we read before our
	// Termination (whose first field counts them); the rest came before
	// the peer closed.
	FramesRead int `json:"framesRead"`
	// AliceFrames and BobFrames list the blocks of each data frame
	// (I2NP blocks with their message type): what the replay decodes.
	AliceFrames []string `json:"aliceFrames"`
	BobFrames   []string `json:"bobFrames"`
	// Alice is message 1, message 3, then each data frame as she wrote
	// it (length, ciphertext and tag); Bob is message 2, then each data
	// frame. Ours are one entry per write; the peer's are cut at the
	// handshake messages' and frames' ends, up to its close.
	Alice [][]byte `json:"alice"`
	Bob   [][]byte `json:"bob"`
}

const (
	sideAlice = "alice"
	sideBob   = "bob"
)

// A player is our side of a transcript's session, the same when
// recording and when replaying.
type player struct {
	tr     *transcript
	cfg    Config
	now    time.Time
	script *rand.Rand // message IDs, keys, tokens
	ours   *netdb.RouterInfo
	peer   *netdb.RouterInfo
	// As Alice: Bob's NTCP2 address, the exploration lookup's key, the
	// store's reply token and her messages.
	bob      Peer
	explore  [32]byte
	token    uint32
	messages []i2np.Message
	// As Bob: the IV we publish, and how many replies we sent.
	iv      [16]byte
	replies int
}

func newPlayer(tr *transcript) (*player, error) {
	if len(tr.Seed) != 32 || len(tr.Static) != 32 {
		return nil, fmt.Errorf("seed of %d bytes, static key of %d: want 32", len(tr.Seed), len(tr.Static))
	}
	seed := [32]byte(tr.Seed)
	padding := rand.New(rand.NewChaCha8(sha256.Sum256(append([]byte("padding "), seed[:]...))))
	p := &player{tr: tr, now: time.Unix(tr.Now, 0), script: rand.New(rand.NewChaCha8(sha256.Sum256(append([]byte("script "), seed[:]...))))}
	p.cfg = Config{
		NetID:  netdb.NetID(tr.NetID),
		Static: PrivateKey(tr.Static),
		Rand:   rand.NewChaCha8(seed),
		Now:    func() time.Time { return p.now },
		// Never 0 when padding is allowed: Java, as Alice, waits for
		// padding after message 2 (and Config.Padding overrides the
		// minimum).
		Padding: func(max int) int {
			if max <= 0 {
				return 0
			}
			return 1 + padding.IntN(max)
		},
	}
	var err error
	// Recording as Bob, the peer's RouterInfo comes with message 3.
	if tr.Side == sideAlice || len(tr.PeerRouterInfo) > 0 {
		if p.peer, err = netdb.ParseRouterInfo(tr.PeerRouterInfo); err != nil {
			return nil, fmt.Errorf("peer's RouterInfo: %w", err)
		}
	}
	if p.ours, err = netdb.ParseRouterInfo(tr.RouterInfo); err != nil {
		return nil, fmt.Errorf("our RouterInfo: %w", err)
	}
	switch tr.Side {
	case sideAlice:
		return p, p.planAlice()
	case sideBob:
		_, iv, err := ntcp2KeyAndIV(p.ours)
		p.iv = iv
		return p, err
	}
	return nil, fmt.Errorf("side %q, want %q or %q", tr.Side, sideAlice, sideBob)
}

// planAlice prepares what our Alice sends after the handshake, one frame
// each: a RouterInfo lookup for Bob's own hash, an exploration lookup for
// a random key, a DatabaseStore of her RouterInfo asking for a
// DeliveryStatus.
func (p *player) planAlice() error {
	static, iv, err := ntcp2KeyAndIV(p.peer)
	if err != nil {
		return err
	}
	p.bob = Peer{RouterHash: p.peer.Hash(), Static: static, IV: iv}
	for i := range p.explore {
		p.explore[i] = byte(p.script.Uint32())
	}
	p.token = p.script.Uint32() | 1
	us := [32]byte(p.ours.Hash())
	bodies := []struct {
		t i2np.Type
		m interface{ AppendBinary([]byte) ([]byte, error) }
	}{
		{i2np.TypeDatabaseLookup, &i2np.DatabaseLookup{Key: p.bob.RouterHash, From: us, Flags: i2np.LookupRouterInfo}},
		{i2np.TypeDatabaseLookup, &i2np.DatabaseLookup{Key: p.explore, From: us, Flags: i2np.LookupExploration}},
		{i2np.TypeDatabaseStore, &i2np.DatabaseStore{Key: us, ReplyToken: p.token, ReplyGateway: us, RouterInfo: p.tr.RouterInfo}},
	}
	for _, b := range bodies {
		body, err := b.m.AppendBinary(nil)
		if err != nil {
			return err
		}
		p.messages = append(p.messages, p.message(b.t, body))
	}
	return nil
}

// message is an I2NP message of ours: a scripted ID, expiring in a minute.
func (p *player) message(t i2np.Type, body []byte) i2np.Message {
	return i2np.Message{Type: t, ID: p.script.Uint32(), Expiration: p.now.Add(time.Minute), Body: body}
}

// ntcp2KeyAndIV reads the NTCP2 static key s and IV i a RouterInfo
// publishes (as PeerFromRouterInfo, but host and port do not matter here).
func ntcp2KeyAndIV(ri *netdb.RouterInfo) (PublicKey, [16]byte, error) {
	for _, a := range ri.Addresses {
		s, _ := a.Options.Get("s")
		iv, _ := a.Options.Get("i")
		sb, err1 := i2pbase64.DecodeString(s)
		ib, err2 := i2pbase64.DecodeString(iv)
		if a.Transport == "NTCP2" && err1 == nil && err2 == nil && len(sb) == 32 && len(ib) == 16 {
			return PublicKey(sb), [16]byte(ib), nil
		}
	}
	return PublicKey{}, [16]byte{}, fmt.Errorf("RouterInfo %s has no NTCP2 address with s and i", ri.Hash())
}

// handshake runs our side's handshake and returns the session with a copy
// of its keys (Close zeroes the session's).
func (p *player) handshake(conn net.Conn) (*Session, Keys, error) {
	var sess *Session
	var err error
	if p.tr.Side == sideAlice {
		sess, err = Client(conn, &p.cfg, p.bob, p.ours.Bytes())
	} else {
		sess, err = Server(conn, &p.cfg, p.ours.Hash(), p.iv)
		switch {
		case err != nil:
		case p.peer == nil: // recording
			p.peer, p.tr.PeerRouterInfo = sess.PeerRouterInfo, sess.PeerRouterInfo.Bytes()
		case !bytes.Equal(sess.PeerRouterInfo.Bytes(), p.peer.Bytes()):
			err = errors.New("the RouterInfo in message 3 is not the recorded peer's")
		}
	}
	if err != nil {
		return nil, Keys{}, err
	}
	return sess, sess.keys, nil
}

// play runs our side on conn: the handshake; as Alice her messages; then
// it reads the peer's frames while more(frames read so far) holds — as
// Bob answering each lookup (an empty search reply) and each store asking
// for it (a DeliveryStatus) — and closes with a Termination, waiting for
// the peer to close (Session.Close). seen gets each frame's blocks; a
// read error ends the reading, and is returned.
func (p *player) play(conn net.Conn, more func(n int) bool, seen func([]Block)) (keys Keys, framesRead int, err error) {
	sess, keys, err := p.handshake(conn)
	if err != nil {
		return Keys{}, 0, fmt.Errorf("handshake: %w", err)
	}
	for _, m := range p.messages {
		if err := sess.SendI2NP(m); err != nil {
			return keys, 0, err
		}
	}
	for more(framesRead) {
		blocks, rerr := sess.ReadBlocks()
		if rerr != nil {
			err = fmt.Errorf("reading the peer's frame %d: %w", framesRead+1, rerr)
			break
		}
		framesRead++
		seen(blocks)
		if slices.ContainsFunc(blocks, func(b Block) bool { return b.Type == BlockTermination }) {
			sess.ended = true // as Receive: Close then only closes
			break
		}
		if p.tr.Side == sideBob {
			if err := p.answer(sess, blocks); err != nil {
				return keys, framesRead, err
			}
		}
	}
	if cerr := sess.Close(transport.ReasonNormal); err == nil {
		err = cerr
	}
	return keys, framesRead, err
}

// answer is our Bob's reply to the peer's I2NP messages in blocks: an
// empty search reply (we are no floodfill) to a lookup whose reply comes
// straight back, a DeliveryStatus to a store asking for one straight back.
func (p *player) answer(sess *Session, blocks []Block) error {
	peer := [32]byte(p.peer.Hash())
	for _, b := range blocks {
		m, err := i2np.ParseShort(b.Data)
		if b.Type != BlockI2NP || err != nil {
			continue
		}
		reply, t := p.replyTo(m, peer)
		if reply == nil {
			continue
		}
		body, err := reply.AppendBinary(nil)
		if err != nil {
			return err
		}
		if err := sess.SendI2NP(p.message(t, body)); err != nil {
			return err
		}
		p.replies++
	}
	return nil
}

// replyTo is our Bob's reply to m from peer, and its type: an empty
// search reply to a lookup whose reply comes straight back, a
// DeliveryStatus to a store asking for one straight back; nil to anything
// else.
func (p *player) replyTo(m i2np.Message, peer [32]byte) (interface{ AppendBinary([]byte) ([]byte, error) }, i2np.Type) {
	switch m.Type {
	case i2np.TypeDatabaseLookup:
		if l, err := i2np.ParseDatabaseLookup(m.Body); err == nil && l.Flags&i2np.LookupReplyTunnel == 0 && l.From == peer {
			return &i2np.SearchReply{Key: l.Key, From: p.ours.Hash()}, i2np.TypeDatabaseSearchReply
		}
	case i2np.TypeDatabaseStore:
		if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil && ds.ReplyToken != 0 && ds.ReplyTunnel == 0 && ds.ReplyGateway == peer {
			return i2np.DeliveryStatus{MsgID: ds.ReplyToken, Timestamp: p.now}, i2np.TypeDeliveryStatus
		}
	}
	return nil, 0
}

// answered tells, for our Alice, which of her messages Bob's blocks
// answer: the RouterInfo lookup (his RouterInfo stored, or a search reply
// for his hash), the exploration lookup (a search reply for its key), the
// store (a DeliveryStatus of its token).
func (p *player) answered(blocks []Block, lookup, explore, store *bool) {
	for _, b := range blocks {
		m, err := i2np.ParseShort(b.Data)
		if b.Type != BlockI2NP || err != nil {
			continue
		}
		switch m.Type {
		case i2np.TypeDatabaseStore:
			if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil && ds.Key == p.bob.RouterHash {
				*lookup = true
			}
		case i2np.TypeDatabaseSearchReply:
			if r, err := i2np.ParseSearchReply(m.Body); err == nil {
				*lookup = *lookup || r.Key == p.bob.RouterHash
				*explore = *explore || r.Key == p.explore
			}
		case i2np.TypeDeliveryStatus:
			if d, err := i2np.ParseDeliveryStatus(m.Body); err == nil && d.MsgID == p.token {
				*store = true
			}
		}
	}
}

// splitFrames cuts a data phase stream into its frames, as the reader
// with SipHash key sip sees their lengths; rest is an incomplete last one.
func splitFrames(b []byte, sip [32]byte) (frames [][]byte, rest []byte) {
	mask := newLengthMask(sip)
	for len(b) >= 2 {
		n := 2 + int(binary.BigEndian.Uint16(b)^mask.next())
		if len(b) < n {
			break
		}
		frames = append(frames, b[:n])
		b = b[n:]
	}
	return frames, b
}

// describe names a frame's blocks, an I2NP block with its message type:
// "I2NP(DatabaseStore) Padding".
func describe(blocks []Block) string {
	var names []string
	for _, b := range blocks {
		name := b.Type.String()
		if b.Type == BlockI2NP {
			if m, err := i2np.ParseShort(b.Data); err == nil {
				name += "(" + m.Type.String() + ")"
			}
		}
		names = append(names, name)
	}
	return strings.Join(names, " ")
}

// replayConn plays the peer from a transcript: reads come from its
// recorded bytes, then EOF (it closed); writes are kept.
type replayConn struct {
	peer   *bytes.Reader
	writes [][]byte
}

func (c *replayConn) Read(b []byte) (int, error) { return c.peer.Read(b) }
func (c *replayConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}
func (c *replayConn) consumed() int                    { return int(c.peer.Size()) - c.peer.Len() }
func (c *replayConn) Close() error                     { return nil }
func (c *replayConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(198, 18, 0, 1)} }
func (c *replayConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(198, 18, 0, 2)} }
func (c *replayConn) SetDeadline(time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(time.Time) error { return nil }

func TestTranscripts(t *testing.T) {
	if *update {
		for _, p := range transcriptPeers {
			t.Run("record/"+p.name, func(t *testing.T) {
				tr := p.record(t)
				if !t.Failed() {
					writeTranscript(t, p.name, tr)
				}
			})
		}
	}
	files, err := filepath.Glob(filepath.Join(transcriptDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in %s (%v): record them with -update", transcriptDir, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tr transcript
			if err := json.Unmarshal(b, &tr); err != nil {
				t.Fatal(err)
			}
			res := replayTranscript(t, &tr)
			if !slices.Equal(res.aliceFrames, tr.AliceFrames) {
				t.Errorf("Alice's frames: got %q, want %q", res.aliceFrames, tr.AliceFrames)
			}
			if !slices.Equal(res.bobFrames, tr.BobFrames) {
				t.Errorf("Bob's frames: got %q, want %q", res.bobFrames, tr.BobFrames)
			}
			seeds, err := os.ReadFile(filepath.Join(i2npSeedDir, name+".txt"))
			if err != nil {
				t.Fatalf("%v: record again with -update", err)
			}
			if want := i2npSeedFile(name, &tr, res.messages); string(seeds) != want {
				t.Errorf("%s/%s.txt does not hold the transcript's I2NP messages: record again with -update", i2npSeedDir, name)
			}
		})
	}
}

// replayResult is what a replay decoded: each side's data frames
// (describe) and the I2NP messages each side sent whose bodies package
// i2np decodes (short header and body), in order, in hex after "us " or
// "peer ".
type replayResult struct {
	aliceFrames, bobFrames []string
	messages               []string
}

// replayTranscript runs our side against the recorded peer and checks
// both sides.
func replayTranscript(t *testing.T, tr *transcript) (res replayResult) {
	t.Helper()
	p, err := newPlayer(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Alice) < 2 || len(tr.Bob) < 1 {
		t.Fatalf("transcript has %d messages of Alice's and %d of Bob's", len(tr.Alice), len(tr.Bob))
	}
	ours, theirs, peerHandshake := tr.Alice, tr.Bob, tr.Bob[:1]
	if tr.Side == sideBob {
		ours, theirs, peerHandshake = tr.Bob, tr.Alice, tr.Alice[:2]
	}
	conn := &replayConn{peer: bytes.NewReader(bytes.Join(theirs, nil))}
	var lookup, explore, store bool
	keys, _, err := p.play(conn, func(n int) bool {
		if n == 0 {
			checkHandshakeRead(t, conn, peerHandshake)
		}
		return n < tr.FramesRead
	}, func([]Block) {})
	if err != nil {
		t.Fatalf("against the recorded %s: %v", tr.Peer, err)
	}

	// Ours: byte for byte what we sent the real peer.
	checkOurWrites(t, tr.Side, conn.writes, ours)

	// Both data phases: each recorded entry is one frame, each decrypts
	// and parses into blocks; the peer's blocks decode (checkPeerBlock).
	aliceKeys, bobKeys := Keys{Recv: keys.Send, SipRecv: keys.SipSend}, keys
	if tr.Side == sideBob {
		aliceKeys, bobKeys = keys, Keys{Recv: keys.Send, SipRecv: keys.SipSend}
	}
	for _, dir := range []struct {
		side    string
		records [][]byte
		keys    Keys
		frames  *[]string
	}{
		{sideAlice, tr.Alice[2:], aliceKeys, &res.aliceFrames},
		{sideBob, tr.Bob[1:], bobKeys, &res.bobFrames},
	} {
		for _, blocks := range p.replayFrames(t, dir.side, dir.records, dir.keys, dir.frames, &res.messages) {
			if tr.Side == sideAlice && dir.side == sideBob {
				p.answered(blocks, &lookup, &explore, &store)
			}
		}
	}
	t.Logf("%s, we are %s: Alice's frames %q; Bob's frames %q", tr.Peer, tr.Side, res.aliceFrames, res.bobFrames)
	if tr.Side == sideAlice {
		t.Logf("answers: RouterInfo lookup %v, exploration %v, store %v", lookup, explore, store)
	}
	return res
}

// checkHandshakeRead: our side's handshake read from conn the peer's
// handshake messages, no more, no less.
func checkHandshakeRead(t *testing.T, conn *replayConn, peerHandshake [][]byte) {
	t.Helper()
	if got, want := conn.consumed(), len(bytes.Join(peerHandshake, nil)); got != want {
		t.Errorf("our handshake read %d bytes, want the %d of the peer's handshake messages", got, want)
	}
}

// checkOurWrites: our side, side, wrote byte for byte the recorded ours.
func checkOurWrites(t *testing.T, side string, writes, ours [][]byte) {
	t.Helper()
	if len(writes) != len(ours) {
		t.Errorf("we wrote %d messages and frames, want %d", len(writes), len(ours))
	}
	for i := range min(len(writes), len(ours)) {
		if !bytes.Equal(writes[i], ours[i]) {
			t.Errorf("our %s differs from the recorded one:\ngot  %s\nwant %s", recordName(side, i), short(writes[i]), short(ours[i]))
		}
	}
}

// replayFrames decodes side's recorded data frames, records, with keys
// (decodeFrames) and returns their blocks. It appends each frame's
// description to frames and, to messages, each I2NP message whose body
// package i2np decodes, after who sent it; it checks each block the peer
// sent (checkPeerBlock).
func (p *player) replayFrames(t *testing.T, side string, records [][]byte, keys Keys, frames, messages *[]string) [][]Block {
	t.Helper()
	from := "peer"
	if side == p.tr.Side {
		from = "us"
	}
	decoded := decodeFrames(t, side, records, keys)
	for i, blocks := range decoded {
		*frames = append(*frames, describe(blocks))
		for _, b := range blocks {
			if m, err := i2np.ParseShort(b.Data); b.Type == BlockI2NP && err == nil && decodable(m.Type) {
				*messages = append(*messages, from+" "+hex.EncodeToString(b.Data))
			}
			if side == p.tr.Side {
				continue
			}
			if err := p.checkPeerBlock(b); err != nil {
				t.Errorf("the peer's frame %d, %v block: %v", i+1, b.Type, err)
			}
		}
	}
	return decoded
}

// decodable reports whether package i2np decodes the bodies of messages
// of type t.
func decodable(t i2np.Type) bool {
	switch t {
	case i2np.TypeDatabaseStore, i2np.TypeDatabaseLookup, i2np.TypeDatabaseSearchReply, i2np.TypeDeliveryStatus:
		return true
	}
	return false
}

// decodeFrames checks that records are exactly the frames of one
// direction, with keys' Recv and SipRecv, and returns each one's blocks.
func decodeFrames(t *testing.T, side string, records [][]byte, keys Keys) [][]Block {
	t.Helper()
	data := bytes.Join(records, nil)
	frames, rest := splitFrames(data, keys.SipRecv)
	if len(rest) != 0 || len(frames) != len(records) {
		t.Fatalf("%s's data phase is %d frames and %d bytes, want the %d recorded frames", side, len(frames), len(rest), len(records))
	}
	for i, f := range frames {
		if !bytes.Equal(f, records[i]) {
			t.Fatalf("%s's frame %d: the lengths do not cut the stream as recorded", side, i+1)
		}
	}
	r := NewFrameReader(bytes.NewReader(data), &keys)
	var out [][]Block
	for i := range frames {
		plain, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("%s's frame %d: %v", side, i+1, err)
		}
		blocks, err := ParseBlocks(plain)
		if err != nil {
			t.Fatalf("%s's frame %d: %v", side, i+1, err)
		}
		out = append(out, blocks)
	}
	return out
}

// checkPeerBlock decodes one block the peer sent: RouterInfos are its
// own, validly signed; I2NP messages decode with package i2np and encode
// back to the same bytes (a DatabaseStore, whose RouterInfo is gzipped
// anew, to the same message); search replies to our Alice are for keys she
// asked about, from Bob.
func (p *player) checkPeerBlock(b Block) error {
	switch b.Type {
	case BlockDateTime:
		if len(b.Data) != 4 {
			return fmt.Errorf("%d bytes", len(b.Data))
		}
	case BlockRouterInfo:
		if len(b.Data) < 1 {
			return errors.New("empty")
		}
		return p.checkPeerRouterInfo(b.Data[1:])
	case BlockTermination:
		if len(b.Data) < 9 {
			return fmt.Errorf("%d bytes", len(b.Data))
		}
	case BlockI2NP:
		m, err := i2np.ParseShort(b.Data)
		if err != nil {
			return err
		}
		if again := m.AppendShort(nil); !bytes.Equal(again, b.Data) {
			return fmt.Errorf("short header encodes back to %x, want %x", again[:i2np.ShortHeaderLen], b.Data[:i2np.ShortHeaderLen])
		}
		return p.checkPeerI2NP(m)
	}
	return nil
}

// checkPeerI2NP decodes an I2NP message the peer sent and checks that it
// encodes back to the same bytes (a DatabaseStore to the same message:
// checkPeerStore); a search reply must be from the peer, for a key we
// asked about.
func (p *player) checkPeerI2NP(m i2np.Message) error {
	var again []byte
	var err error
	switch m.Type {
	case i2np.TypeDatabaseStore:
		return p.checkPeerStore(m.Body)
	case i2np.TypeDatabaseSearchReply:
		again, err = p.checkPeerSearchReply(m.Body)
	case i2np.TypeDeliveryStatus:
		var d i2np.DeliveryStatus
		if d, err = i2np.ParseDeliveryStatus(m.Body); err == nil {
			again, err = d.AppendBinary(nil)
		}
	case i2np.TypeDatabaseLookup:
		var l *i2np.DatabaseLookup
		if l, err = i2np.ParseDatabaseLookup(m.Body); err == nil {
			again, err = l.AppendBinary(nil)
		}
	default:
		return nil // only the header is ours to decode
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(again, m.Body) {
		return fmt.Errorf("%v encodes back to %x, want %x", m.Type, again, m.Body)
	}
	return nil
}

// checkPeerStore: a DatabaseStore the peer sent encodes back, its
// RouterInfo gzipped anew, to the same message; if it stores the peer's
// RouterInfo, that is validly signed.
func (p *player) checkPeerStore(body []byte) error {
	ds, err := i2np.ParseDatabaseStore(body)
	if err != nil {
		return err
	}
	b, err := ds.AppendBinary(nil)
	if err != nil {
		return err
	}
	ds2, err := i2np.ParseDatabaseStore(b)
	if err != nil || ds2.Key != ds.Key || ds2.ReplyToken != ds.ReplyToken || ds2.ReplyTunnel != ds.ReplyTunnel ||
		ds2.ReplyGateway != ds.ReplyGateway || !bytes.Equal(ds2.RouterInfo, ds.RouterInfo) {
		return fmt.Errorf("DatabaseStore does not encode back to itself (%v)", err)
	}
	if ds.Key != p.peer.Hash() {
		return nil // a RouterInfo it knows (e.g. ours)
	}
	return p.checkPeerRouterInfo(ds.RouterInfo)
}

// checkPeerSearchReply checks a search reply the peer sent, from the peer
// and, to our Alice, for a key she asked about, and returns it encoded
// again.
func (p *player) checkPeerSearchReply(body []byte) ([]byte, error) {
	r, err := i2np.ParseSearchReply(body)
	if err != nil {
		return nil, err
	}
	if p.tr.Side == sideAlice && r.Key != p.bob.RouterHash && r.Key != p.explore {
		return nil, fmt.Errorf("search reply for %x, a key we did not ask for", r.Key[:4])
	}
	if r.From != p.peer.Hash() {
		return nil, fmt.Errorf("search reply from %x, want the peer", r.From[:4])
	}
	return r.AppendBinary(nil)
}

// checkPeerRouterInfo: b is a validly signed RouterInfo of the peer's.
func (p *player) checkPeerRouterInfo(b []byte) error {
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		return err
	}
	if err := ri.Verify(); err != nil {
		return err
	}
	if ri.Hash() != p.peer.Hash() {
		return fmt.Errorf("RouterInfo of %s, want the peer's %s", ri.Hash(), p.peer.Hash())
	}
	return nil
}

// recordName names our i-th write.
func recordName(side string, i int) string {
	switch {
	case side == sideAlice && i == 0:
		return "message 1"
	case side == sideAlice && i == 1:
		return "message 3"
	case side == sideAlice:
		return fmt.Sprintf("data frame %d", i-1)
	case i == 0:
		return "message 2"
	}
	return fmt.Sprintf("data frame %d", i)
}

// short is b in hex, cut to 48 bytes, with its length.
func short(b []byte) string {
	if len(b) > 48 {
		return fmt.Sprintf("%x... (%d bytes)", b[:48], len(b))
	}
	return fmt.Sprintf("%x (%d bytes)", b, len(b))
}

// i2npSeedFile is the text of i2npSeedDir/name.txt: one I2NP message
// (short header and body) a line, in hex, after who sent it ("us" or
// "peer").
func i2npSeedFile(name string, tr *transcript, msgs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The I2NP messages package i2np decodes (NTCP2 short header and body, hex) of the\n")
	fmt.Fprintf(&b, "# session with %s recorded in router/ntcp2/%s/%s.json\n", tr.Peer, transcriptDir, name)
	fmt.Fprintf(&b, "# (we were %s), after who sent each: us or the peer.\n", strings.ToUpper(tr.Side[:1])+tr.Side[1:])
	fmt.Fprintf(&b, "# Written by go test ./router/ntcp2 -run Transcripts -update.\n")
	for _, m := range msgs {
		b.WriteString(m + "\n")
	}
	return b.String()
}

// writeTranscript writes a recorded transcript, with the frames its
// replay decodes, and its I2NP messages for package i2np.
func writeTranscript(t *testing.T, name string, tr *transcript) {
	t.Helper()
	res := replayTranscript(t, tr)
	if t.Failed() {
		t.Fatal("the recorded session does not replay; not written")
	}
	tr.AliceFrames, tr.BobFrames = res.aliceFrames, res.bobFrames
	b, err := json.MarshalIndent(tr, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		dir, ext string
		data     []byte
	}{
		{transcriptDir, ".json", append(b, '\n')},
		{i2npSeedDir, ".txt", []byte(i2npSeedFile(name, tr, res.messages))},
	} {
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(f.dir, name+f.ext), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
