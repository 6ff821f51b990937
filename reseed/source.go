package reseed

import (
	"context"

	"github.com/i2pseed/i2pseed/netdb"
)

// A Source supplies RouterInfos; netdb.Store is the one a server uses.
type Source interface {
	// Entries returns summaries of the RouterInfos the source has now.
	Entries(ctx context.Context) ([]*netdb.Entry, error)
	// Load returns the encoded RouterInfo e summarizes, checked again if
	// it changed since.
	Load(e *netdb.Entry) ([]byte, error)
}

var _ Source = (*netdb.Store)(nil)
