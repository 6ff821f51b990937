// Package router is the built-in I2P router that harvests RouterInfos:
// its persistent identity, sessions over its transports (NTCP2, package
// ntcp2, and SSU2, package ssu2, behind the seam of package transport)
// and I2NP netDb lookups (package i2np).
//
// A router is built from a config, as crypto/tls and wireguard-go build
// theirs: Settings are plain data (their names are a config file's keys,
// which are also the flags' names); Check validates them without I/O and
// returns a *setting.Error naming the setting; Open opens what they
// describe and returns the Router to Run:
//
//	Settings --Check--> Open(ctx, Settings, Deps) --> Router.Run(ctx)
//	                    identity    DataDir/router/router.keys.json
//	                    liveness    DataDir/liveness.json (with probes)
//	                    transports  NTCP2 from Settings.NTCP2 (listens),
//	                                SSU2 with Settings.SSU2 (dials only)
//
// Deps are what the caller shares rather than configures: the netDb
// store, the seeds, which routers probes target, the logger. The router
// writes into none of them but the store; a caller that wants the
// liveness (a reseed pool's policy) takes it from Router.Liveness. New,
// from a Config, is the lower-level constructor that tests use.
//
// The router is given its transports, as wireguard-go's device is given a
// conn.Bind: Config.Transports, in order of preference, each a
// transport.Transport that dials, accepts (Accept, then the Inbound's
// Handshake, run concurrently) and contributes its RouterAddress to our
// RouterInfo; the router sees only transport.Conns. Each peer is dialled
// over the transports that reach it, the one that confirmed it last
// (Liveness) tried last, the next at once if a handshake fails
// (transportsFor). The Identity keeps each transport's long-term keys by
// name (TransportKeys). Adding a transport, as SSU2 was, takes a package
// (router/ssu2) implementing transport.Transport, its settings as a field
// of Settings, and one entry in Open's list (transportKinds: its name,
// its key size, how it opens from the Settings). The identity makes its keys the first time it loads
// with it; the keys file keeps its other fields and the router its hash.
package router
