package ssu2

import "slices"

// Received is the set of packet numbers a session received, from which
// it builds its ACK blocks. It keeps the highest window numbers; older
// ones are forgotten (an ACK cannot reach below them anyway).
type Received struct {
	nums   []uint32 // sorted, highest last, no duplicates
	window int
}

// ackWindow is how many packet numbers Received keeps: one ACK block of
// i2pd's can say no more than through + 255 + 32 ranges of 255 each.
const ackWindow = 512

// Add records packet n; it reports false for a duplicate.
func (r *Received) Add(n uint32) bool {
	i, found := slices.BinarySearch(r.nums, n)
	if found {
		return false
	}
	r.nums = slices.Insert(r.nums, i, n)
	if len(r.nums) > ackWindow {
		r.nums = slices.Delete(r.nums, 0, len(r.nums)-ackWindow)
	}
	return true
}

// Len is how many packet numbers r holds.
func (r *Received) Len() int { return len(r.nums) }

// ACK builds the ACK block for what r holds: through the highest, Count
// the run below it, then ranges of NACKs and ACKs going down (each at
// most 255), at most maxRanges of them. ok is false when r is empty.
func (r *Received) ACK(maxRanges int) (a ACK, ok bool) {
	if len(r.nums) == 0 {
		return ACK{}, false
	}
	i := len(r.nums) - 1
	a.Through = r.nums[i]
	for i > 0 && r.nums[i-1] == r.nums[i]-1 && a.Count < 255 {
		a.Count++
		i--
	}
	for i > 0 && len(a.Ranges) < maxRanges {
		gap := r.nums[i] - r.nums[i-1] - 1 // packets not received below r.nums[i]
		if gap > 255 {
			break
		}
		rg := AckRange{NACKs: uint8(gap), ACKs: 1}
		i--
		for i > 0 && r.nums[i-1] == r.nums[i]-1 && rg.ACKs < 255 {
			rg.ACKs++
			i--
		}
		a.Ranges = append(a.Ranges, rg)
	}
	return a, true
}
