package ntcp2

import (
	"math/rand/v2"
)

// Padding limits. NTCP2 pads every handshake message and data frame with
// random bytes so that no message has a fixed size (spec: "Padding"). What
// the two implementations send and accept (facts: docs/router.md):
//
//   - messages 1 and 2: i2pd sends 0-222 bytes and accepts at most 223
//     (287-byte messages); Java sends and accepts less (see sendPadding1).
//     Java I2P, as Alice, builds message 3 only once bytes follow Bob's
//     64-byte message 2, so Bob must pad message 2.
//   - message 3: a Padding block may follow the RouterInfo block; i2pd
//     ignores everything after it, Java sends one itself.
//   - data phase: i2pd ends frames with a Padding block of up to 6% of
//     max(length, 256) bytes.
const (
	maxPadding      = 223 // the most padding accepted in messages 1 and 2 (i2pd: 287-byte messages)
	sendPadding1    = 63  // we send 0-63 in message 1 (inside Java's and i2pd's limits)
	sendPadding2Min = 1   // message 2 always carries some padding, for Java
	sendPadding2Max = 63
	sendPadding3Max = 63 // Padding block in message 3 part 2
	framePadPercent = 6  // data frames: up to 6% of max(length, 256), as i2pd
)

// padding returns how many bytes of padding to put in a message, between
// lo and hi, through cfg.Padding when tests fix it.
func (c *Config) padding(lo, hi int) int {
	if c.Padding != nil {
		return min(max(c.Padding(hi), lo), hi) // never below the floor: Java never completes an unpadded message 2
	}
	return lo + rand.IntN(hi-lo+1)
}

// framePadding is the size of the Padding block for a frame of n bytes of
// other blocks; -1 means no block (nothing fits). fix, if set, chooses it
// instead of chance (Config.Padding).
func framePadding(n int, fix func(max int) int) int {
	room := MaxFrame - n - 3
	if room < 0 {
		return -1
	}
	hi := max(n, 256) * framePadPercent / 100
	if fix != nil {
		return min(max(fix(hi), 0), hi, room)
	}
	return min(rand.IntN(hi+1), room)
}

// appendPadding appends a Padding block of random length (as i2pd, a
// block of length 0 is still sent) unless the frame is full.
func appendPadding(frame []byte, fix func(max int) int) []byte {
	n := framePadding(len(frame), fix)
	if n < 0 {
		return frame
	}
	return AppendBlock(frame, BlockPadding, make([]byte, n))
}
