package main

import (
	"github.com/i2pseed/i2pseed/reseed"
	"github.com/i2pseed/i2pseed/router"
)

// routerStatus is what the status page shows of serve's built-in router.
func routerStatus(r *router.Router) func() reseed.RouterStatus {
	hash := r.Hash().String()
	return func() reseed.RouterStatus {
		st := r.Status()
		return reseed.RouterStatus{Hash: hash, Outbound: st.Outbound, Inbound: st.Inbound, Floodfills: st.Floodfills,
			Stored: st.Stored, Live: st.Live, Harvested: st.Harvested}
	}
}
