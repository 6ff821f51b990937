// Package cliflag names the flags of the i2pseed commands that other
// packages run as a process (testnet runs `i2pseed serve` and `i2pseed
// router`, and prints `i2pseed bootstrap` lines), so that a flag renamed
// in the CLI fails a test instead of a run.
//
// Each command has a flag type of its own (Serve, Router, Bootstrap):
// a flag of one command cannot be put on another's command line. A
// command line is built with Args:
//
//	args := cliflag.New[cliflag.Serve]().On(cliflag.ServeTestnet).
//		Set(cliflag.ServeListen, "198.18.0.2:8443").Strings()
//	// ["serve", "--testnet", "--listen", "198.18.0.2:8443"]
//
// Every constant of this package is a flag; cmd/i2pseed's
// cliflag_test.go checks that each is a flag of its command.
package cliflag

import "strconv"

// A Flag is the name of a flag of one i2pseed command, without its
// dashes; its type says which command (Command).
type Flag interface {
	~string
	// Command is the i2pseed subcommand the flag belongs to, e.g. "serve".
	Command() string
}

// Serve is a flag of `i2pseed serve`.
type Serve string

// Command is "serve".
func (Serve) Command() string { return "serve" }

// Flags of `i2pseed serve`.
const (
	ServeTestnet        Serve = "testnet"
	ServeNetID          Serve = "netid"
	ServeSigner         Serve = "signer"
	ServeDataDir        Serve = "data-dir"
	ServeNetDB          Serve = "netdb"
	ServeListen         Serve = "listen"
	ServeHost           Serve = "host"
	ServeSeed           Serve = "seed"
	ServeNTCP2Listen    Serve = "ntcp2-listen"
	ServeBundleSize     Serve = "bundle-size"
	ServeMinEligible    Serve = "min-eligible"
	ServeRebuild        Serve = "rebuild"
	ServeProbeRecheck   Serve = "probe-recheck"
	ServeWarmup         Serve = "floodfill-warmup"
	ServeMinVersion     Serve = "min-version"
	ServeBurstPerClient Serve = "burst-per-client"
	ServeRatePerClient  Serve = "rate-per-client"
	ServeYggdrasil      Serve = "yggdrasil-listen"
)

// Router is a flag of `i2pseed router`.
type Router string

// Command is "router".
func (Router) Command() string { return "router" }

// Flags of `i2pseed router`.
const (
	RouterNetDB       Router = "netdb"
	RouterDataDir     Router = "data-dir"
	RouterSeed        Router = "seed"
	RouterNetID       Router = "netid"
	RouterNTCP2Listen Router = "ntcp2-listen"
	RouterProbeEvery  Router = "probe-every"
	RouterWarmup      Router = "floodfill-warmup"
)

// Bootstrap is a flag of `i2pseed bootstrap`.
type Bootstrap string

// Command is "bootstrap".
func (Bootstrap) Command() string { return "bootstrap" }

// Flags of `i2pseed bootstrap`.
const (
	BootstrapNetID         Bootstrap = "netid"
	BootstrapURLs          Bootstrap = "urls"
	BootstrapCA            Bootstrap = "ca"
	BootstrapCerts         Bootstrap = "certs"
	BootstrapMinServers    Bootstrap = "min-servers"
	BootstrapMinRouters    Bootstrap = "min-routers"
	BootstrapMinFloodfills Bootstrap = "min-floodfills"
	BootstrapNetDB         Bootstrap = "netdb"
)

// Args is the command line of the command of F: the command's name, then
// each flag as "--name" and, unless it is a switch, its value as the
// next argument.
type Args[F Flag] struct {
	list []string
}

// New starts a command line of F's command.
func New[F Flag]() *Args[F] {
	var f F
	return &Args[F]{list: []string{f.Command()}}
}

// Set adds --f value.
func (a *Args[F]) Set(f F, value string) *Args[F] {
	a.list = append(a.list, "--"+string(f), value)
	return a
}

// SetInt adds --f n.
func (a *Args[F]) SetInt(f F, n int) *Args[F] { return a.Set(f, strconv.Itoa(n)) }

// On adds --f, a switch.
func (a *Args[F]) On(f F) *Args[F] {
	a.list = append(a.list, "--"+string(f))
	return a
}

// Strings is the command line, the command's name first.
func (a *Args[F]) Strings() []string { return append([]string(nil), a.list...) }
