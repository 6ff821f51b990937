package ntcp2

import (
	"encoding/binary"
	"fmt"
)

// BlockType is the type of a block inside a frame or message 3.
type BlockType uint8

const (
	BlockDateTime    BlockType = 0   // 4-byte Unix seconds
	BlockOptions     BlockType = 1   // padding and delay parameters
	BlockRouterInfo  BlockType = 2   // flag (1) | RouterInfo
	BlockI2NP        BlockType = 3   // I2NP message with the short 9-byte header
	BlockTermination BlockType = 4   // frames received (8) | reason (1) | extra
	BlockPadding     BlockType = 254 // random bytes, always last
)

func (t BlockType) String() string {
	switch t {
	case BlockDateTime:
		return "DateTime"
	case BlockOptions:
		return "Options"
	case BlockRouterInfo:
		return "RouterInfo"
	case BlockI2NP:
		return "I2NP"
	case BlockTermination:
		return "Termination"
	case BlockPadding:
		return "Padding"
	}
	return fmt.Sprintf("BlockType(%d)", uint8(t))
}

// A Block is one type-length-value block.
type Block struct {
	Type BlockType
	Data []byte
}

// ParseBlocks splits a frame's plaintext into blocks. Unknown types are
// kept (callers ignore them); Padding must be last.
func ParseBlocks(b []byte) ([]Block, error) {
	var out []Block
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, fmt.Errorf("%w: %d trailing bytes", ErrFrame, len(b))
		}
		t, n := BlockType(b[0]), int(binary.BigEndian.Uint16(b[1:3]))
		if len(b) < 3+n {
			return nil, fmt.Errorf("%w: %v block of %d bytes, %d left", ErrFrame, t, n, len(b)-3)
		}
		if len(out) > 0 && out[len(out)-1].Type == BlockPadding {
			return nil, fmt.Errorf("%w: block after padding", ErrFrame)
		}
		out = append(out, Block{Type: t, Data: b[3 : 3+n]})
		b = b[3+n:]
	}
	return out, nil
}

// AppendBlock appends one encoded block.
func AppendBlock(b []byte, t BlockType, data []byte) []byte {
	b = append(b, byte(t))
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}
