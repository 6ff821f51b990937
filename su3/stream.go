package su3

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Zip record signatures, little-endian.
const (
	sigLocalHeader   = 0x04034b50
	sigCentralHeader = 0x02014b50
	flagDescriptor   = 0x0008
	localHeaderSize  = 30
)

var sigDescriptor = []byte{'P', 'K', 7, 8}

// ReadStreaming reads a reseed bundle's zip content the way i2pd 2.58
// does (Reseeder::ProcessZIPStream): local file headers one after another,
// never the central directory. For an entry flagged with a data
// descriptor it scans forward for the descriptor's signature and takes its
// compressed size plus 4, so a stored entry with a descriptor comes out
// with the signature's 4 bytes appended, and compressed data that happens
// to hold the signature is cut short. Deflated entries are inflated and
// their CRC checked; stored ones are taken as they are. It stops, as i2pd
// does, at the first record that is not a local header.
//
// It returns the entries in archive order as i2pd would see them; err,
// wrapping ErrBundle, says why it stopped early or which entry i2pd would
// drop. A bundle ReadBundle reads is fit for i2pd only if ReadStreaming
// returns the same entries with no error. Entry sizes are bounded by
// DefaultBundleLimits.
func ReadStreaming(zip []byte) ([]Entry, error) {
	var entries []Entry
	pos := 0
	for pos+4 <= len(zip) {
		if binary.LittleEndian.Uint32(zip[pos:]) != sigLocalHeader {
			if binary.LittleEndian.Uint32(zip[pos:]) != sigCentralHeader {
				return entries, fmt.Errorf("%w: i2pd's reader: no local header or central directory at offset %d", ErrBundle, pos)
			}
			return entries, nil
		}
		if pos+localHeaderSize > len(zip) {
			return entries, fmt.Errorf("%w: i2pd's reader: local header at offset %d truncated", ErrBundle, pos)
		}
		h := zip[pos:]
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		crc := binary.LittleEndian.Uint32(h[14:])
		csize := int64(binary.LittleEndian.Uint32(h[18:]))
		usize := int64(binary.LittleEndian.Uint32(h[22:]))
		nameLen := int(binary.LittleEndian.Uint16(h[26:]))
		extraLen := int(binary.LittleEndian.Uint16(h[28:]))
		if nameLen >= 255 {
			return entries, fmt.Errorf("%w: i2pd's reader: file name of %d bytes at offset %d (at most 254)", ErrBundle, nameLen, pos)
		}
		data := pos + localHeaderSize + nameLen + extraLen
		if data > len(zip) {
			return entries, fmt.Errorf("%w: i2pd's reader: local header at offset %d truncated", ErrBundle, pos)
		}
		name := string(zip[pos+localHeaderSize : pos+localHeaderSize+nameLen])
		if flags&flagDescriptor != 0 {
			d := bytes.Index(zip[data:], sigDescriptor)
			if d < 0 || data+d+16 > len(zip) {
				return entries, fmt.Errorf("%w: i2pd's reader: entry %q: data descriptor not found", ErrBundle, name)
			}
			desc := zip[data+d+4:]
			crc = binary.LittleEndian.Uint32(desc)
			csize = int64(binary.LittleEndian.Uint32(desc[4:])) + 4 // i2pd counts the signature as data
			usize = int64(binary.LittleEndian.Uint32(desc[8:]))
		}
		end := int64(data) + csize
		if end > int64(len(zip)) {
			return entries, fmt.Errorf("%w: i2pd's reader: entry %q runs past the end", ErrBundle, name)
		}
		if flags&flagDescriptor != 0 {
			end += 12 // the rest of the descriptor
		}
		if csize == 0 {
			pos = int(min(end, int64(len(zip))))
			continue // i2pd skips it
		}
		raw := zip[data : int64(data)+csize]
		if usize > DefaultBundleLimits.MaxEntrySize || csize > DefaultBundleLimits.MaxEntrySize {
			return entries, fmt.Errorf("%w: i2pd's reader: entry %q claims %d bytes", ErrBundle, name, max(usize, csize))
		}
		content := raw
		if method != 0 { // i2pd assumes deflate for any method but stored
			var err error
			if content, err = inflateAtMost(raw, usize); err != nil {
				return entries, fmt.Errorf("%w: i2pd's reader: entry %q: %w", ErrBundle, name, err)
			}
			if crc32.ChecksumIEEE(content) != crc {
				return entries, fmt.Errorf("%w: i2pd's reader: entry %q fails its CRC", ErrBundle, name)
			}
		}
		entries = append(entries, Entry{Name: name, Data: bytes.Clone(content)})
		pos = int(min(end, int64(len(zip))))
	}
	if pos < len(zip) {
		return entries, fmt.Errorf("%w: i2pd's reader: %d stray bytes at the end", ErrBundle, len(zip)-pos)
	}
	return entries, nil
}

// inflateAtMost inflates raw deflate data into at most n bytes, as i2pd's
// fixed output buffer does; data beyond n is an error.
func inflateAtMost(raw []byte, n int64) ([]byte, error) {
	fr := flate.NewReader(bytes.NewReader(raw))
	defer fr.Close()
	out, err := io.ReadAll(io.LimitReader(fr, n))
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("inflate: %w", err)
	}
	return out, nil
}
