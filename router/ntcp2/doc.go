// Package ntcp2 is I2P's NTCP2 transport: a Noise XK handshake with
// AES-obfuscated ephemeral keys, then ChaCha20-Poly1305 frames whose
// lengths are hidden with SipHash.
//
// Spec: I2P NTCP2 (https://geti2p.net/spec/ntcp2), version 2 (0.9.36+), as
// Java I2P 2.7.0, i2pd 2.58 and i2pd 2.45.1 implement it (facts: the
// project's shared spec, ntcp2-router.md §2-§3, and docs/router.md). Every
// handshake message and frame is padded at random (padding.go); a Session
// is a transport.Conn, and Transport (transport.go) is NTCP2 behind the
// router's seam, transport.Transport: it owns its listener (Listen opens
// it from Settings, the "ntcp2-listen" and "ntcp2-host" settings, which
// Settings.Check validates first) and its TCP dialer (dial.go), and reads
// peers' addresses through netdb's checked view (PeerFromRouterInfo).
//
// Protocol flow (Alice connects to Bob, whose static key s, router hash
// and IV i are published in his RouterInfo):
//
//	Alice                                              Bob
//	SessionRequest   AES(X) | AEAD(opts) | pad   ->         -> e, es
//	                 <-   AES(Y) | AEAD(opts) | pad   SessionCreated  <- e, ee
//	SessionConfirmed AEAD(S) | AEAD(RouterInfo block...) -> -> s, se
//	data phase       frames: len^SipHash | AEAD(blocks)  <->
//
// Protocol name Noise_XKaesobfse+hs2+hs3_25519_ChaChaPoly_SHA256; the
// padding of messages 1 and 2 is mixed into the handshake hash. Message 3
// part 2 is a RouterInfo block and a Padding block.
package ntcp2
