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
		switch binary.LittleEndian.Uint32(zip[pos:]) {
		case sigCentralHeader:
			return entries, nil
		case sigLocalHeader:
		default:
			return entries, fmt.Errorf("%w: i2pd's reader: no local header or central directory at offset %d", ErrBundle, pos)
		}
		rec, err := readLocalRecord(zip, pos)
		if err != nil {
			return entries, err
		}
		pos = int(min(rec.end, int64(len(zip))))
		if rec.csize == 0 {
			continue // i2pd skips it
		}
		e, err := rec.entry(zip)
		if err != nil {
			return entries, err
		}
		entries = append(entries, e)
	}
	if pos < len(zip) {
		return entries, fmt.Errorf("%w: i2pd's reader: %d stray bytes at the end", ErrBundle, len(zip)-pos)
	}
	return entries, nil
}

// A localRecord is a zip entry as i2pd's streaming reader sees it: its
// local header, with the sizes and CRC of its data descriptor if flagged.
type localRecord struct {
	name         string
	method       uint16
	crc          uint32
	csize, usize int64
	data         int   // offset of the entry's data
	end          int64 // offset after its data (and descriptor), maybe past the end
}

// readLocalRecord reads the local header at pos, and the data descriptor
// after its data if it has one, the way i2pd does.
func readLocalRecord(zip []byte, pos int) (localRecord, error) {
	if pos+localHeaderSize > len(zip) {
		return localRecord{}, fmt.Errorf("%w: i2pd's reader: local header at offset %d truncated", ErrBundle, pos)
	}
	h := zip[pos:]
	flags := binary.LittleEndian.Uint16(h[6:])
	rec := localRecord{
		method: binary.LittleEndian.Uint16(h[8:]),
		crc:    binary.LittleEndian.Uint32(h[14:]),
		csize:  int64(binary.LittleEndian.Uint32(h[18:])),
		usize:  int64(binary.LittleEndian.Uint32(h[22:])),
	}
	nameLen := int(binary.LittleEndian.Uint16(h[26:]))
	extraLen := int(binary.LittleEndian.Uint16(h[28:]))
	if nameLen >= 255 {
		return rec, fmt.Errorf("%w: i2pd's reader: file name of %d bytes at offset %d (at most 254)", ErrBundle, nameLen, pos)
	}
	rec.data = pos + localHeaderSize + nameLen + extraLen
	if rec.data > len(zip) {
		return rec, fmt.Errorf("%w: i2pd's reader: local header at offset %d truncated", ErrBundle, pos)
	}
	rec.name = string(zip[pos+localHeaderSize : pos+localHeaderSize+nameLen])
	hasDescriptor := flags&flagDescriptor != 0
	if hasDescriptor {
		if err := rec.readDescriptor(zip); err != nil {
			return rec, err
		}
	}
	rec.end = int64(rec.data) + rec.csize
	if rec.end > int64(len(zip)) {
		return rec, fmt.Errorf("%w: i2pd's reader: entry %q runs past the end", ErrBundle, rec.name)
	}
	if hasDescriptor {
		rec.end += 12 // the rest of the descriptor
	}
	return rec, nil
}

// readDescriptor scans forward from the data for the data descriptor's
// signature and takes its CRC and sizes, counting the signature's 4 bytes
// as data as i2pd does.
func (rec *localRecord) readDescriptor(zip []byte) error {
	d := bytes.Index(zip[rec.data:], sigDescriptor)
	if d < 0 || rec.data+d+16 > len(zip) {
		return fmt.Errorf("%w: i2pd's reader: entry %q: data descriptor not found", ErrBundle, rec.name)
	}
	desc := zip[rec.data+d+4:]
	rec.crc = binary.LittleEndian.Uint32(desc)
	rec.csize = int64(binary.LittleEndian.Uint32(desc[4:])) + 4 // i2pd counts the signature as data
	rec.usize = int64(binary.LittleEndian.Uint32(desc[8:]))
	return nil
}

// entry returns the record's content: stored data as it is, anything else
// inflated as deflate into at most its uncompressed size and CRC-checked.
func (rec *localRecord) entry(zip []byte) (Entry, error) {
	if rec.usize > DefaultBundleLimits.MaxEntrySize || rec.csize > DefaultBundleLimits.MaxEntrySize {
		return Entry{}, fmt.Errorf("%w: i2pd's reader: entry %q claims %d bytes", ErrBundle, rec.name, max(rec.usize, rec.csize))
	}
	content := zip[rec.data : int64(rec.data)+rec.csize]
	if rec.method != 0 { // i2pd assumes deflate for any method but stored
		var err error
		if content, err = inflateAtMost(content, rec.usize); err != nil {
			return Entry{}, fmt.Errorf("%w: i2pd's reader: entry %q: %w", ErrBundle, rec.name, err)
		}
		if crc32.ChecksumIEEE(content) != rec.crc {
			return Entry{}, fmt.Errorf("%w: i2pd's reader: entry %q fails its CRC", ErrBundle, rec.name)
		}
	}
	return Entry{Name: rec.name, Data: bytes.Clone(content)}, nil
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
