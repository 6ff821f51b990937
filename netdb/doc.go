// Package netdb parses, verifies, stores and selects I2P RouterInfos.
//
// Spec: I2P Common Structures (https://geti2p.net/spec/common-structures),
// API 0.9.66: Certificate, KeysAndCert/RouterIdentity, Mapping,
// RouterAddress, RouterInfo; and the network database spec for the on-disk
// layout netDb/r<c>/routerInfo-<base64 hash>.dat. All integers big-endian.
//
//	RouterInfo   := RouterIdentity | published Date (8, ms) | size (1) |
//	                RouterAddress × size | peer_size (1) | Hash × peer_size |
//	                options Mapping | signature (by the identity's SigType)
//	RouterIdentity := public key (256) | signing key (128) | Certificate
//	Certificate  := type (1) | length (2) | payload
//	                KEY certificate payload: SigType (2) | CryptoType (2) |
//	                excess signing key bytes | excess crypto key bytes
//	RouterAddress := cost (1) | expiration Date (8) | transport String |
//	                options Mapping
//	Mapping      := size (2) | (String "=" String ";")* sorted by key
//	String       := length (1) | UTF-8 bytes
//
// The crypto public key is left-aligned in its 256-byte field, the signing
// public key right-aligned in its 128-byte field. The router hash is the
// SHA-256 of the RouterIdentity bytes. The signature covers every byte of
// the RouterInfo before it; EdDSA signs those bytes directly, ECDSA and DSA
// sign their digest.
//
// Parsers take []byte, check exact lengths, and reject trailing bytes,
// unsorted or duplicate mapping keys and malformed fields with an error
// wrapping ErrFormat; they never log or do I/O. Serialization reproduces the
// parsed bytes exactly.
package netdb
