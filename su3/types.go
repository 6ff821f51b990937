package su3

import (
	"crypto"
	"fmt"
)

// SigType is the signature type in bytes 8-9 of the header.
type SigType uint16

// Signature types, with signature length, digest and public key size.
const (
	DSA_SHA1             SigType = 0 // 40-byte r||s over SHA-1, 128-byte key
	ECDSA_SHA256_P256    SigType = 1 // 64-byte r||s over SHA-256
	ECDSA_SHA384_P384    SigType = 2 // 96-byte r||s over SHA-384
	ECDSA_SHA512_P521    SigType = 3 // 132-byte r||s over SHA-512
	RSA_SHA256_2048      SigType = 4 // 256-byte raw PKCS#1 v1.5 over SHA-256
	RSA_SHA384_3072      SigType = 5 // 384-byte raw PKCS#1 v1.5 over SHA-384
	RSA_SHA512_4096      SigType = 6 // 512-byte raw PKCS#1 v1.5 over SHA-512; reseed bundles
	EdDSA_SHA512_Ed25519 SigType = 7 // 64-byte Ed25519 over the SHA-512 digest
	// EdDSA_SHA512_Ed25519ph is, despite its name, plain Ed25519 over the
	// SHA-512 digest, exactly like type 7, as Java I2P and go-i2p do it.
	EdDSA_SHA512_Ed25519ph SigType = 8
)

type sigParams struct {
	name    string
	size    int         // signature bytes
	hash    crypto.Hash // digest signed
	keyBits int         // RSA modulus / EC field size in bits, 0 for others
}

var sigTable = [...]sigParams{
	DSA_SHA1:               {"DSA-SHA1", 40, crypto.SHA1, 1024},
	ECDSA_SHA256_P256:      {"ECDSA-SHA256-P256", 64, crypto.SHA256, 256},
	ECDSA_SHA384_P384:      {"ECDSA-SHA384-P384", 96, crypto.SHA384, 384},
	ECDSA_SHA512_P521:      {"ECDSA-SHA512-P521", 132, crypto.SHA512, 521},
	RSA_SHA256_2048:        {"RSA-SHA256-2048", 256, crypto.SHA256, 2048},
	RSA_SHA384_3072:        {"RSA-SHA384-3072", 384, crypto.SHA384, 3072},
	RSA_SHA512_4096:        {"RSA-SHA512-4096", 512, crypto.SHA512, 4096},
	EdDSA_SHA512_Ed25519:   {"EdDSA-SHA512-Ed25519", 64, crypto.SHA512, 0},
	EdDSA_SHA512_Ed25519ph: {"EdDSA-SHA512-Ed25519ph", 64, crypto.SHA512, 0},
}

// Known reports whether t is one of the nine defined signature types.
func (t SigType) Known() bool { return int(t) < len(sigTable) }

// Size is the exact signature length for t, or 0 if t is unknown.
func (t SigType) Size() int {
	if !t.Known() {
		return 0
	}
	return sigTable[t].size
}

// Hash is the digest t signs, or 0 if t is unknown.
func (t SigType) Hash() crypto.Hash {
	if !t.Known() {
		return 0
	}
	return sigTable[t].hash
}

func (t SigType) String() string {
	if !t.Known() {
		return fmt.Sprintf("SigType(%d)", uint16(t))
	}
	return sigTable[t].name
}

// FileType is byte 25 of the header: the format of the content.
type FileType uint8

const (
	FileZip   FileType = 0 // zip archive; reseed bundles, router updates, plugins
	FileXML   FileType = 1 // XML
	FileHTML  FileType = 2 // HTML
	FileXMLGz FileType = 3 // gzipped XML; news feeds
	FileTxtGz FileType = 4 // gzipped text; blocklists
	FileDMG   FileType = 5 // macOS disk image
	FileEXE   FileType = 6 // Windows executable
)

var fileTypeNames = [...]string{"zip", "xml", "html", "xml.gz", "txt.gz", "dmg", "exe"}

func (t FileType) String() string {
	if int(t) < len(fileTypeNames) {
		return fileTypeNames[t]
	}
	return fmt.Sprintf("FileType(%d)", uint8(t))
}

// ParseFileType maps a name printed by FileType.String back to its value.
func ParseFileType(s string) (FileType, error) {
	for i, n := range fileTypeNames {
		if n == s {
			return FileType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown file type %q (want one of zip, xml, html, xml.gz, txt.gz, dmg, exe)", s)
}

// ContentType is byte 27 of the header: what the content is for.
type ContentType uint8

const (
	ContentUnknown   ContentType = 0 // unknown
	ContentRouter    ContentType = 1 // router update
	ContentPlugin    ContentType = 2 // plugin or plugin update
	ContentReseed    ContentType = 3 // reseed bundle: zip of RouterInfos
	ContentNews      ContentType = 4 // news feed
	ContentBlocklist ContentType = 5 // blocklist feed
)

var contentTypeNames = [...]string{"unknown", "router", "plugin", "reseed", "news", "blocklist"}

func (t ContentType) String() string {
	if int(t) < len(contentTypeNames) {
		return contentTypeNames[t]
	}
	return fmt.Sprintf("ContentType(%d)", uint8(t))
}

// ParseContentType maps a name printed by ContentType.String back to its value.
func ParseContentType(s string) (ContentType, error) {
	for i, n := range contentTypeNames {
		if n == s {
			return ContentType(i), nil
		}
	}
	return 0, fmt.Errorf("unknown content type %q (want one of unknown, router, plugin, reseed, news, blocklist)", s)
}

// FileType is the file type content of type t usually comes as: xml.gz for
// news, txt.gz for blocklists, zip for the rest.
func (t ContentType) FileType() FileType {
	switch t {
	case ContentNews:
		return FileXMLGz
	case ContentBlocklist:
		return FileTxtGz
	}
	return FileZip
}
