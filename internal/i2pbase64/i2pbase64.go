// Package i2pbase64 is the Base64 variant used throughout I2P: the standard
// alphabet with '+' replaced by '-' and '/' replaced by '~', padded with '='.
//
// Spec: I2P Common Structures, "Base64 encoding"
// (https://geti2p.net/spec/common-structures).
package i2pbase64

import "encoding/base64"

// Alphabet is the I2P Base64 alphabet.
const Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-~"

// Encoding is the padded, strict I2P Base64 encoding: it rejects
// non-canonical trailing bits, so every byte string has exactly one encoding.
var Encoding = base64.NewEncoding(Alphabet).Strict()

// EncodeToString encodes b with Encoding.
func EncodeToString(b []byte) string { return Encoding.EncodeToString(b) }

// DecodeString decodes s with Encoding.
func DecodeString(s string) ([]byte, error) { return Encoding.DecodeString(s) }
