// Package ssu2 is I2P's SSU2 transport over UDP: a Noise XK handshake with
// the packet header mixed into the handshake hash, ChaCha20 header
// protection, then ChaCha20-Poly1305 data packets carrying blocks.
//
// Spec: I2P SSU2 (https://geti2p.net/spec/ssu2), version 0.9.65, from
// proposal 159, as Java I2P 2.7.0, i2pd 2.58 and i2pd 2.45.1 implement it.
// The protocol name is Noise_XKchaobfse+hs1+hs2+hs3_25519_ChaChaPoly_SHA256.
//
// This package holds the codecs (packet headers in header.go, header
// protection in protect.go, payload blocks in block.go), the handshake's
// key derivations (kdf.go) and a dialling Alice's side of the handshake
// as one state struct, ClientHandshake, with a Create (ours) or Consume
// (Bob's) step per packet: TokenRequest and Retry (token.go), which
// double as a cheap liveness probe, since only a router holding Bob's
// published intro key "i" can answer (Probe); SessionRequest and
// SessionCreated, which prove Bob holds his static key "s"; and
// SessionConfirmed, which yields the data phase keys (handshake.go). Data
// packets are sealed and opened by SealData and OpenData (data.go).
// RequestToken, RequestSession and Confirm (probe.go) run the steps over
// a UDP socket, resending each packet a second apart until Bob answers.
// Dial runs them all and returns a Session (session.go), a
// transport.Conn: one goroutine ACKs Bob's packets at once (ack.go),
// resends ours with new packet numbers until ACKed, puts fragmented I2NP
// messages together and cuts ours (fragment.go), and ends with a
// Termination. Transport (transport.go) is SSU2 behind the router's seam,
// transport.Transport, for a router that only dials: each session has a
// socket of its own, and our address is unpublished (RouterKeys).
//
// The router (package router) dials over Transport when its settings
// turn SSU2 on. A RouterInfo over one packet even gzipped goes in two
// SessionConfirmed packets (CreateSessionConfirmedFragments). Not yet
// here: Bob's side (Accept), congestion control beyond resends, path
// validation.
//
// Protocol flow (Alice dials Bob, whose static key s, intro key i, host and
// port are published in his RouterInfo's SSU2 address):
//
//	Alice                                                        Bob
//	TokenRequest     long header | AEAD_i(DateTime, Padding)   ->
//	                 <-   long header (token) | AEAD_i(DateTime, Address)  Retry
//	SessionRequest   long header (token) | X | AEAD(DateTime...) -> e, es
//	                 <-   long header | Y | AEAD(DateTime, Address...)  SessionCreated  e, ee
//	SessionConfirmed short header | AEAD(S) | AEAD(RouterInfo...) -> s, se
//	Data             short header | AEAD(blocks: I2NP, ACK, ...)  <->
//
// Every packet's first 16 bytes are masked with ChaCha20 keystream keyed
// by k_header_1 and k_header_2 and seeded by the packet's last 24 bytes
// (protect.go); long headers mask bytes 16-31 too, and SessionRequest and
// SessionCreated the ephemeral key after them.
package ssu2
