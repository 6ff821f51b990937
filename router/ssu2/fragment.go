package ssu2

import (
	"errors"
	"fmt"
	"time"

	"github.com/i2pseed/i2pseed/router/i2np"
)

// ErrFragment is wrapped by fragmentation and reassembly errors.
var ErrFragment = errors.New("ssu2: bad fragment")

// Fragmentation limits.
const (
	followOnHeaderLen  = 5     // fragment number and last flag (1), message ID (4)
	maxIncomplete      = 64    // messages being reassembled at once
	maxReassembledSize = 65536 // the largest I2NP message we put together
	maxDone            = 4096  // message IDs remembered as put together
)

// SplitI2NP cuts m into blocks of at most max bytes each (block header
// included): one I2NP block if it fits, else a FirstFragment and
// FollowOnFragments, at most MaxFragments in all.
func SplitI2NP(m i2np.Message, max int) ([]byte, [][]byte, error) {
	whole := m.AppendShort(nil)
	if blockHeaderLen+len(whole) <= max {
		return AppendBlock(nil, BlockI2NP, whole), nil, nil
	}
	room := max - blockHeaderLen - followOnHeaderLen
	if max-blockHeaderLen <= i2np.ShortHeaderLen || room <= 0 {
		return nil, nil, fmt.Errorf("%w: blocks of %d bytes hold no fragment", ErrFragment, max)
	}
	firstLen := max - blockHeaderLen
	rest := whole[firstLen:]
	n := (len(rest) + room - 1) / room
	if 1+n > MaxFragments {
		return nil, nil, fmt.Errorf("%w: a %d-byte message in %d fragments, over %d", ErrFragment, len(whole), 1+n, MaxFragments)
	}
	first := AppendBlock(nil, BlockFirstFragment, whole[:firstLen])
	var follow [][]byte
	for i := 1; len(rest) > 0; i++ {
		k := min(room, len(rest))
		follow = append(follow, AppendFollowOn(nil, FollowOn{Num: uint8(i), Last: k == len(rest), MsgID: m.ID, Data: rest[:k]}))
		rest = rest[k:]
	}
	return first, follow, nil
}

// Reassembler puts fragmented I2NP messages together, whatever order
// their fragments come in, and ignores duplicates. It is not safe for
// concurrent use.
type Reassembler struct {
	msgs map[uint32]*partial
	done map[uint32]time.Time // put together lately: their late duplicates are ignored
}

type partial struct {
	first   []byte // the FirstFragment's data (short header and the body's start); nil until it comes
	follow  map[uint8][]byte
	last    uint8 // the last fragment's number; 0 until it comes
	size    int
	started time.Time
}

// First takes a FirstFragment block's data (copied) and returns the
// message if it completes one.
func (r *Reassembler) First(data []byte, now time.Time) (i2np.Message, bool, error) {
	f, err := ParseFirstFragment(data)
	if err != nil {
		return i2np.Message{}, false, err
	}
	p, err := r.partial(f.Message.ID, now)
	if err != nil || p == nil || p.first != nil {
		return i2np.Message{}, false, err // an error, or a duplicate
	}
	p.first = append([]byte(nil), data...)
	return r.add(f.Message.ID, p, len(data), now)
}

// FollowOn takes a FollowOnFragment block's data (copied) and returns the
// message if it completes one.
func (r *Reassembler) FollowOn(data []byte, now time.Time) (i2np.Message, bool, error) {
	f, err := ParseFollowOn(data)
	if err != nil {
		return i2np.Message{}, false, err
	}
	if f.Num >= MaxFragments {
		return i2np.Message{}, false, fmt.Errorf("%w: fragment %d of message %d", ErrFragment, f.Num, f.MsgID)
	}
	p, err := r.partial(f.MsgID, now)
	if err != nil || p == nil || p.follow[f.Num] != nil {
		return i2np.Message{}, false, err
	}
	if err := p.checkOrder(f); err != nil {
		return i2np.Message{}, false, err
	}
	p.follow[f.Num] = append([]byte(nil), f.Data...)
	return r.add(f.MsgID, p, len(f.Data), now)
}

// checkOrder refuses a follow-on past the last fragment, or a second
// last one.
func (p *partial) checkOrder(f FollowOn) error {
	switch {
	case f.Last && p.last != 0 && p.last != f.Num:
		return fmt.Errorf("%w: message %d ends at fragment %d and %d", ErrFragment, f.MsgID, p.last, f.Num)
	case !f.Last && p.last != 0 && f.Num > p.last:
		return fmt.Errorf("%w: fragment %d of message %d after its last, %d", ErrFragment, f.Num, f.MsgID, p.last)
	case f.Last:
		for n := range p.follow {
			if n > f.Num {
				return fmt.Errorf("%w: fragment %d of message %d after its last, %d", ErrFragment, n, f.MsgID, f.Num)
			}
		}
		p.last = f.Num
	}
	return nil
}

// partial returns message id's partial, a new one if need be, or nil if
// it was put together already.
func (r *Reassembler) partial(id uint32, now time.Time) (*partial, error) {
	if r.msgs == nil {
		r.msgs, r.done = map[uint32]*partial{}, map[uint32]time.Time{}
	}
	if _, ok := r.done[id]; ok {
		return nil, nil
	}
	if p, ok := r.msgs[id]; ok {
		return p, nil
	}
	if len(r.msgs) >= maxIncomplete {
		return nil, fmt.Errorf("%w: over %d messages incomplete", ErrFragment, maxIncomplete)
	}
	p := &partial{follow: map[uint8][]byte{}, started: now}
	r.msgs[id] = p
	return p, nil
}

// add accounts for n more bytes of message id and returns it if whole.
func (r *Reassembler) add(id uint32, p *partial, n int, now time.Time) (i2np.Message, bool, error) {
	if p.size += n; p.size > maxReassembledSize {
		delete(r.msgs, id)
		return i2np.Message{}, false, fmt.Errorf("%w: message %d over %d bytes", ErrFragment, id, maxReassembledSize)
	}
	if p.first == nil || p.last == 0 || len(p.follow) != int(p.last) {
		return i2np.Message{}, false, nil // fragments 1..last, distinct: all there
	}
	whole := p.first
	for i := uint8(1); i <= p.last; i++ {
		whole = append(whole, p.follow[i]...)
	}
	delete(r.msgs, id)
	if len(r.done) >= maxDone {
		clear(r.done) // a late duplicate may then come back as a new partial, to expire
	}
	r.done[id] = now
	m, err := i2np.ParseShort(whole)
	return m, err == nil, err
}

// Expire forgets the incomplete messages whose first fragment came
// before t, and the IDs of those put together before t; it returns how
// many incomplete messages it dropped.
func (r *Reassembler) Expire(t time.Time) int {
	n := 0
	for id, p := range r.msgs {
		if p.started.Before(t) {
			delete(r.msgs, id)
			n++
		}
	}
	for id, at := range r.done {
		if at.Before(t) {
			delete(r.done, id)
		}
	}
	return n
}

// Incomplete is how many messages wait for fragments.
func (r *Reassembler) Incomplete() int { return len(r.msgs) }
