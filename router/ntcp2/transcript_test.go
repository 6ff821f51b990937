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

// Transcripts are NTCP2 sessions of our Alice with real routers (i2pd
// 2.58, i2pd 2.45.1, Java I2P 2.7.0), every byte each side sent, kept in
// testdata/transcripts (format: its README.md). TestTranscripts replays
// each in memory, without root or network: our Alice, with the recorded
// randomness and clock, must write byte for byte what she wrote then
// (messages 1 and 3, every data frame), accept the recorded message 2,
// and decrypt and decode every frame the peer sent, its I2NP messages with
// package i2np. So a change of the handshake, the framing, the padding or
// an I2NP codec fails plain `go test`, checked against what real peers
// sent and accepted.
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

// A transcript is one recorded outbound session. []byte fields are
// standard base64 in JSON.
type transcript struct {
	Comment string `json:"comment"`
	Peer    string `json:"peer"` // implementation and version of Bob
	NetID   int    `json:"netId"`
	// Now is Alice's clock (Config.Now) in Unix seconds, fixed for the
	// whole session: message 1's timestamp and the I2NP expirations.
	Now int64 `json:"now"`
	// Seed drives all of Alice's choices: Config.Rand is ChaCha8(Seed);
	// the padding sizes and the script's message IDs, lookup key and reply
	// token come from ChaCha8 generators seeded with SHA-256("padding " |
	// Seed) and SHA-256("script " | Seed).
	Seed           []byte `json:"seed"`
	Static         []byte `json:"static"`         // Alice's NTCP2 static private key
	RouterInfo     []byte `json:"routerInfo"`     // Alice's, sent in message 3 and stored
	PeerRouterInfo []byte `json:"peerRouterInfo"` // Bob's as published: hash, s and i
	// FramesRead is how many of Bob's frames Alice read before her
	// Termination (whose first field counts them); the rest came before
	// Bob closed.
	FramesRead int `json:"framesRead"`
	// AliceFrames and BobFrames list the blocks of each data frame
	// (I2NP blocks with their message type): what the replay decodes.
	AliceFrames []string `json:"aliceFrames"`
	BobFrames   []string `json:"bobFrames"`
	// Alice is message 1, message 3, then each data frame as she wrote
	// it (length, ciphertext and tag); Bob is message 2 with its padding,
	// then each data frame as it came, up to the connection's close.
	Alice [][]byte `json:"alice"`
	Bob   [][]byte `json:"bob"`
}

// aliceScript is what our Alice does in a recorded session, both when
// recording and when replaying: the handshake, then three I2NP messages,
// one frame each — a RouterInfo lookup for Bob's own hash, an
// exploration lookup for a random key, a DatabaseStore of her RouterInfo
// asking for a DeliveryStatus — then she reads Bob's frames and closes
// with a Termination (Session.Close).
type aliceScript struct {
	cfg      Config
	peer     Peer
	bob      *netdb.RouterInfo
	ours     *netdb.RouterInfo
	explore  [32]byte // the exploration lookup's key
	token    uint32   // the DatabaseStore's reply token
	messages []i2np.Message
}

func newAliceScript(tr *transcript) (*aliceScript, error) {
	if len(tr.Seed) != 32 || len(tr.Static) != 32 {
		return nil, fmt.Errorf("seed of %d bytes, static key of %d: want 32", len(tr.Seed), len(tr.Static))
	}
	seed := [32]byte(tr.Seed)
	padding := rand.New(rand.NewChaCha8(sha256.Sum256(append([]byte("padding "), seed[:]...))))
	script := rand.New(rand.NewChaCha8(sha256.Sum256(append([]byte("script "), seed[:]...))))
	now := time.Unix(tr.Now, 0)
	s := &aliceScript{cfg: Config{
		NetID:   netdb.NetID(tr.NetID),
		Static:  PrivateKey(tr.Static),
		Rand:    rand.NewChaCha8(seed),
		Now:     func() time.Time { return now },
		Padding: func(max int) int { return padding.IntN(max + 1) },
	}}
	var err error
	if s.bob, err = netdb.ParseRouterInfo(tr.PeerRouterInfo); err != nil {
		return nil, fmt.Errorf("peer's RouterInfo: %w", err)
	}
	if s.ours, err = netdb.ParseRouterInfo(tr.RouterInfo); err != nil {
		return nil, fmt.Errorf("our RouterInfo: %w", err)
	}
	if s.peer, err = transcriptPeer(s.bob); err != nil {
		return nil, err
	}
	for i := range s.explore {
		s.explore[i] = byte(script.Uint32())
	}
	s.token = script.Uint32() | 1
	us := [32]byte(s.ours.Hash())
	bodies := []struct {
		t i2np.Type
		m interface{ AppendBinary([]byte) ([]byte, error) }
	}{
		{i2np.TypeDatabaseLookup, &i2np.DatabaseLookup{Key: s.peer.RouterHash, From: us, Flags: i2np.LookupRouterInfo}},
		{i2np.TypeDatabaseLookup, &i2np.DatabaseLookup{Key: s.explore, From: us, Flags: i2np.LookupExploration}},
		{i2np.TypeDatabaseStore, &i2np.DatabaseStore{Key: us, ReplyToken: s.token, ReplyGateway: us, RouterInfo: tr.RouterInfo}},
	}
	for _, b := range bodies {
		body, err := b.m.AppendBinary(nil)
		if err != nil {
			return nil, err
		}
		s.messages = append(s.messages, i2np.Message{Type: b.t, ID: script.Uint32(), Expiration: now.Add(time.Minute), Body: body})
	}
	return s, nil
}

// transcriptPeer reads Bob's NTCP2 static key and IV from his RouterInfo
// (as PeerFromRouterInfo, but host and port do not matter here).
func transcriptPeer(ri *netdb.RouterInfo) (Peer, error) {
	for _, a := range ri.Addresses {
		s, _ := a.Options.Get("s")
		iv, _ := a.Options.Get("i")
		sb, err1 := i2pbase64.DecodeString(s)
		ib, err2 := i2pbase64.DecodeString(iv)
		if a.Transport == "NTCP2" && err1 == nil && err2 == nil && len(sb) == 32 && len(ib) == 16 {
			return Peer{RouterHash: ri.Hash(), Static: PublicKey(sb), IV: [16]byte(ib)}, nil
		}
	}
	return Peer{}, errors.New("the peer's RouterInfo has no NTCP2 address with s and i")
}

// handshake runs Client and returns the session with a copy of its keys
// (Close zeroes the session's).
func (s *aliceScript) handshake(conn net.Conn) (*Session, Keys, error) {
	sess, err := Client(conn, &s.cfg, s.peer, s.ours.Bytes())
	if err != nil {
		return nil, Keys{}, err
	}
	return sess, sess.keys, nil
}

// send sends the script's messages, one frame each.
func (s *aliceScript) send(sess *Session) error {
	for _, m := range s.messages {
		if err := sess.SendI2NP(m); err != nil {
			return err
		}
	}
	return nil
}

// answers tells which of the script's messages Bob's blocks answer: the
// RouterInfo lookup (his RouterInfo stored, or a search reply for his
// hash), the exploration lookup (a search reply for its key), the store
// (a DeliveryStatus of its token).
func (s *aliceScript) answers(blocks []Block, lookup, explore, store *bool) {
	for _, b := range blocks {
		if b.Type != BlockI2NP {
			continue
		}
		m, err := i2np.ParseShort(b.Data)
		if err != nil {
			continue
		}
		switch m.Type {
		case i2np.TypeDatabaseStore:
			if ds, err := i2np.ParseDatabaseStore(m.Body); err == nil && ds.Key == s.peer.RouterHash {
				*lookup = true
			}
		case i2np.TypeDatabaseSearchReply:
			if r, err := i2np.ParseSearchReply(m.Body); err == nil {
				*lookup = *lookup || r.Key == s.peer.RouterHash
				*explore = *explore || r.Key == s.explore
			}
		case i2np.TypeDeliveryStatus:
			if d, err := i2np.ParseDeliveryStatus(m.Body); err == nil && d.MsgID == s.token {
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

// replayConn plays Bob from a transcript: reads come from his recorded
// bytes, then EOF (he closed); writes are kept.
type replayConn struct {
	bob    *bytes.Reader
	writes [][]byte
}

func (c *replayConn) Read(b []byte) (int, error) { return c.bob.Read(b) }
func (c *replayConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}
func (c *replayConn) consumed() int                    { return int(c.bob.Size()) - c.bob.Len() }
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
				if t.Failed() {
					return
				}
				writeTranscript(t, p.name, tr)
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
// (describe) and the I2NP block data each side sent, in order, in hex
// after "alice " or "bob ".
type replayResult struct {
	aliceFrames, bobFrames []string
	messages               []string
}

// replayTranscript runs our Alice against the recorded Bob and checks
// both sides.
func replayTranscript(t *testing.T, tr *transcript) (res replayResult) {
	t.Helper()
	s, err := newAliceScript(tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Bob) == 0 || len(tr.Alice) < 2 {
		t.Fatalf("transcript has %d messages of Alice's and %d of Bob's", len(tr.Alice), len(tr.Bob))
	}
	conn := &replayConn{bob: bytes.NewReader(bytes.Join(tr.Bob, nil))}
	sess, keys, err := s.handshake(conn)
	if err != nil {
		t.Fatalf("handshake against the recorded %s: %v", tr.Peer, err)
	}
	if got, want := conn.consumed(), len(tr.Bob[0]); got != want {
		t.Errorf("Alice read %d bytes of message 2, want %d", got, want)
	}
	if err := s.send(sess); err != nil {
		t.Fatal(err)
	}
	for i := range tr.FramesRead {
		if _, err := sess.ReadBlocks(); err != nil {
			t.Fatalf("Bob's frame %d: %v", i+1, err)
		}
	}
	if err := sess.Close(transport.ReasonNormal); err != nil {
		t.Fatal(err)
	}

	// Alice: byte for byte what she sent the real peer.
	if len(conn.writes) != len(tr.Alice) {
		t.Errorf("Alice wrote %d messages and frames, want %d", len(conn.writes), len(tr.Alice))
	}
	for i := range min(len(conn.writes), len(tr.Alice)) {
		if !bytes.Equal(conn.writes[i], tr.Alice[i]) {
			t.Errorf("Alice's %s differs from the recorded one:\ngot  %s\nwant %s", aliceName(i), short(conn.writes[i]), short(tr.Alice[i]))
		}
	}
	aliceData := bytes.Join(tr.Alice[2:], nil)
	ra := NewFrameReader(bytes.NewReader(aliceData), &Keys{Recv: keys.Send, SipRecv: keys.SipSend})
	for i := range len(tr.Alice) - 2 {
		plain, err := ra.ReadFrame()
		if err != nil {
			t.Fatalf("Alice's frame %d: %v", i+1, err)
		}
		blocks, err := ParseBlocks(plain)
		if err != nil {
			t.Fatalf("Alice's frame %d: %v", i+1, err)
		}
		res.aliceFrames = append(res.aliceFrames, describe(blocks))
		for _, b := range blocks {
			if b.Type == BlockI2NP {
				res.messages = append(res.messages, "alice "+hex.EncodeToString(b.Data))
			}
		}
	}

	// Bob: each recorded record is one frame, each decrypts, each block
	// decodes, and each I2NP message decodes and encodes back.
	data := bytes.Join(tr.Bob[1:], nil)
	frames, rest := splitFrames(data, keys.SipRecv)
	if len(rest) != 0 || len(frames) != len(tr.Bob)-1 {
		t.Fatalf("Bob's data phase is %d frames and %d bytes, want the %d recorded frames", len(frames), len(rest), len(tr.Bob)-1)
	}
	for i, f := range frames {
		if !bytes.Equal(f, tr.Bob[1+i]) {
			t.Fatalf("Bob's frame %d: the lengths do not cut the stream as recorded", i+1)
		}
	}
	r := NewFrameReader(bytes.NewReader(data), &keys)
	var lookup, explore, store bool
	for i := range frames {
		plain, err := r.ReadFrame()
		if err != nil {
			t.Fatalf("Bob's frame %d: %v", i+1, err)
		}
		blocks, err := ParseBlocks(plain)
		if err != nil {
			t.Fatalf("Bob's frame %d: %v", i+1, err)
		}
		res.bobFrames = append(res.bobFrames, describe(blocks))
		for _, b := range blocks {
			if err := checkBobBlock(s, b); err != nil {
				t.Errorf("Bob's frame %d, %v block: %v", i+1, b.Type, err)
			}
			if b.Type == BlockI2NP {
				res.messages = append(res.messages, "bob "+hex.EncodeToString(b.Data))
			}
		}
		s.answers(blocks, &lookup, &explore, &store)
	}
	t.Logf("%s: Alice %d frames; Bob %d frames: %q; answers: RouterInfo lookup %v, exploration %v, store %v",
		tr.Peer, len(tr.Alice)-2, len(frames), res.bobFrames, lookup, explore, store)
	return res
}

// checkBobBlock decodes one block Bob sent: RouterInfos are his, validly
// signed; I2NP messages decode with package i2np and encode back to the
// same bytes (a DatabaseStore, whose RouterInfo is gzipped anew, to the
// same message), and answer what we asked.
func checkBobBlock(s *aliceScript, b Block) error {
	switch b.Type {
	case BlockDateTime:
		if len(b.Data) != 4 {
			return fmt.Errorf("%d bytes", len(b.Data))
		}
	case BlockRouterInfo:
		if len(b.Data) < 1 {
			return errors.New("empty")
		}
		return checkBobRouterInfo(s, b.Data[1:])
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
		return checkBobI2NP(s, m)
	}
	return nil
}

func checkBobI2NP(s *aliceScript, m i2np.Message) error {
	var again []byte
	var err error
	switch m.Type {
	case i2np.TypeDatabaseStore:
		ds, err := i2np.ParseDatabaseStore(m.Body)
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
		if ds.Key != s.peer.RouterHash {
			return nil // a RouterInfo it knows (e.g. ours, as a floodfill may return it)
		}
		return checkBobRouterInfo(s, ds.RouterInfo)
	case i2np.TypeDatabaseSearchReply:
		r, err := i2np.ParseSearchReply(m.Body)
		if err != nil {
			return err
		}
		if r.Key != s.peer.RouterHash && r.Key != s.explore {
			return fmt.Errorf("search reply for %x, a key we did not ask for", r.Key[:4])
		}
		if r.From != s.peer.RouterHash {
			return fmt.Errorf("search reply from %x, want Bob", r.From[:4])
		}
		again, err = r.AppendBinary(nil)
	case i2np.TypeDeliveryStatus:
		d, err := i2np.ParseDeliveryStatus(m.Body)
		if err != nil {
			return err
		}
		again, err = d.AppendBinary(nil)
	case i2np.TypeDatabaseLookup:
		l, err := i2np.ParseDatabaseLookup(m.Body)
		if err != nil {
			return err
		}
		again, err = l.AppendBinary(nil)
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

func checkBobRouterInfo(s *aliceScript, b []byte) error {
	ri, err := netdb.ParseRouterInfo(b)
	if err != nil {
		return err
	}
	if err := ri.Verify(); err != nil {
		return err
	}
	if ri.Hash() != s.bob.Hash() {
		return fmt.Errorf("RouterInfo of %s, want Bob's %s", ri.Hash(), s.bob.Hash())
	}
	return nil
}

func aliceName(i int) string {
	switch i {
	case 0:
		return "message 1"
	case 1:
		return "message 3"
	}
	return fmt.Sprintf("data frame %d", i-1)
}

// short is b in hex, cut to 48 bytes, with its length.
func short(b []byte) string {
	if len(b) > 48 {
		return fmt.Sprintf("%x... (%d bytes)", b[:48], len(b))
	}
	return fmt.Sprintf("%x (%d bytes)", b, len(b))
}

// i2npSeedFile is the text of i2npSeedDir/name.txt: one I2NP message
// (short header and body) a line, in hex, after who sent it.
func i2npSeedFile(name string, tr *transcript, msgs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The I2NP messages (NTCP2 short header and body, hex) of the session with\n")
	fmt.Fprintf(&b, "# %s recorded in router/ntcp2/%s/%s.json: \"alice\" we sent,\n", tr.Peer, transcriptDir, name)
	fmt.Fprintf(&b, "# \"bob\" the peer sent. Written by go test ./router/ntcp2 -run Transcripts -update.\n")
	for _, m := range msgs {
		b.WriteString(m + "\n")
	}
	return b.String()
}

// writeTranscript writes a recorded transcript and, from its replay, its
// I2NP messages for package i2np.
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
	for dir, file := range map[string][]byte{
		transcriptDir: append(b, '\n'),
		i2npSeedDir:   []byte(i2npSeedFile(name, tr, res.messages)),
	} {
		ext := ".json"
		if dir == i2npSeedDir {
			ext = ".txt"
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+ext), file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
