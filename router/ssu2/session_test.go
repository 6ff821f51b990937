package ssu2

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/i2pseed/i2pseed/internal/i2pbase64"
	"github.com/i2pseed/i2pseed/netdb"
	"github.com/i2pseed/i2pseed/router/transport"
)

// ourRouterInfo makes a signed RouterInfo for a router with an
// unpublished SSU2 address: caps 4, our static key s, our intro key i,
// v=2, as Alice presents herself in SessionConfirmed.
func ourRouterInfo(t testing.TB, static *PrivateKey, intro *Key, netID int, extra ...netdb.KV) []byte {
	t.Helper()
	_, sigPriv, _ := ed25519.GenerateKey(rand.Reader)
	var enc, pad [32]byte
	rand.Read(enc[:])
	rand.Read(pad[:])
	id, err := netdb.NewIdentity(sigPriv.Public().(ed25519.PublicKey), enc, pad)
	if err != nil {
		t.Fatal(err)
	}
	s := static.Public()
	ri := &netdb.RouterInfo{
		Identity:  id,
		Published: uint64(time.Now().UnixMilli()),
		Addresses: []netdb.RouterAddress{{Cost: 14, Transport: "SSU2", Options: netdb.Mapping{
			{Key: "caps", Value: "4"}, {Key: "i", Value: i2pbase64.EncodeToString(intro[:])},
			{Key: "s", Value: s.String()}, {Key: "v", Value: "2"}}}},
		Options: netdb.Mapping{{Key: "caps", Value: "LU"}, {Key: "netId", Value: fmt.Sprint(netID)},
			{Key: "router.version", Value: "0.9.65"}},
	}
	ri.Options = append(ri.Options, extra...)
	if err := ri.SignEd25519(sigPriv); err != nil {
		t.Fatal(err)
	}
	return ri.Bytes()
}

func blockTypes(bs []Block) []BlockType {
	var out []BlockType
	for _, b := range bs {
		out = append(out, b.Type)
	}
	return out
}

// checkFirstData checks Bob's first Data packet: its blocks parse and an
// ACK block acknowledges our SessionConfirmed (packet 0).
func checkFirstData(t *testing.T, h ShortHeader, payload []byte) []Block {
	t.Helper()
	blocks, err := ParseBlocks(payload)
	if err != nil {
		t.Fatalf("first Data packet: %v", err)
	}
	i := slices.IndexFunc(blocks, func(b Block) bool { return b.Type == BlockACK })
	if i < 0 {
		t.Fatalf("first Data packet %d has no ACK: %v", h.PacketNumber, blockTypes(blocks))
	}
	ack, err := ParseACK(blocks[i].Data)
	if err != nil || !ack.Acked(0) {
		t.Errorf("first Data packet's ACK %+v (%v) does not acknowledge SessionConfirmed", ack, err)
	}
	return blocks
}

// terminate sends Bob a Data packet (number 1) that ACKs his packet
// bobPN and ends the session, then waits for his Termination.
func terminate(t *testing.T, conn net.PacketConn, bob netip.AddrPort, keys *SessionKeys, bobPN uint32, log func() string) {
	t.Helper()
	payload := AppendACK(nil, ACK{Through: bobPN})
	payload = AppendTermination(payload, Termination{ValidPackets: 1, Reason: transport.ReasonNormal})
	pkt, err := SealData(&keys.Send, 1, 0, payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.WriteTo(pkt, net.UDPAddrFromAddrPort(bob)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, maxPacketLen)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no Termination from Bob after ours: %v\nlog:\n%s", err, grep(log(), "SSU2"))
		}
		h, payload, err := OpenData(&keys.Recv, buf[:n])
		if err != nil {
			continue
		}
		blocks, err := ParseBlocks(payload)
		if err != nil {
			t.Fatalf("Data packet %d: %v", h.PacketNumber, err)
		}
		t.Logf("Bob's Data packet %d after our Termination: %v", h.PacketNumber, blockTypes(blocks))
		for _, b := range blocks {
			if m, err := ParseI2NP(b.Data); b.Type == BlockI2NP && err == nil {
				t.Logf("Bob's I2NP message: %v, %d bytes", m.Type, len(m.Body))
			}
			if b.Type == BlockTermination {
				term, err := ParseTermination(b.Data)
				t.Logf("Bob's Termination: %+v %v", term, err)
				return
			}
		}
	}
}
