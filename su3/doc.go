// Package su3 reads and writes SU3 files, the signed container I2P uses for
// reseed bundles, router updates, plugins, news feeds and blocklists.
//
// Spec: I2P "Software Updates" specification, section "SU3 File
// Specification" (https://geti2p.net/spec/updates#su3-file-specification),
// as of I2P 0.9.x / API 0.9.66, cross-checked against what Java I2P
// (SU3File), i2pd (Reseed.cpp) and go-i2p accept. All integers are
// big-endian.
//
//	offset  size  field
//	0       6     magic "I2Psu3"
//	6       1     0x00 (i2pd compares bytes 0-6 as a C string)
//	7       1     file format version, 0
//	8       2     signature type (SigType)
//	10      2     signature length, exactly SigType.Size()
//	12      1     0
//	13      1     version length, >= 16
//	14      1     0
//	15      1     signer ID length, 1-255
//	16      8     content length, > 0
//	24      1     0
//	25      1     file type (FileType)
//	26      1     0
//	27      1     content type (ContentType)
//	28      12    0
//	40      v     version, UTF-8, NUL-padded to the version length
//	40+v    s     signer ID, UTF-8
//	40+v+s  c     content
//	...     n     signature over bytes [0, 40+v+s+c)
//
// The signature is raw over the digest of the signed bytes: RSA PKCS#1 v1.5
// padding without a DigestInfo prefix, ECDSA and DSA as fixed-length r||s,
// and EdDSA (types 7 and 8) as plain Ed25519 over the 64-byte SHA-512
// digest (type 8 is not RFC 8032 Ed25519ph).
//
// A Reader parses and validates the header; the content is released only by
// Verify, after the signature checked out against a Keyring. A reseed
// bundle's content is a zip of RouterInfos, read with ReadBundle and written
// with WriteBundle.
package su3
