package testnet

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
)

// RaceConfig configures Race.
type RaceConfig struct {
	// I2PD is the fresh i2pd's binary; JavaI2P the fresh Java router's
	// jars ("": no Java racer).
	I2PD, JavaI2P string
	Self          string // the i2pseed binary, run as `i2pseed router`
	// Seeds is how many floodfills every racer starts from (default 2):
	// a bundle of them for i2pd, its netDb for Java, --seed for ours.
	Seeds   int
	Timeout time.Duration // default 15 minutes
	Log     io.Writer     // a line per racer per milestone; nil discards
	// SSU2: the fresh i2pd and Java routers publish SSU2 too (as the
	// network's do with Config.SSU2). Ours dials SSU2 where a router
	// publishes it in any case (`i2pseed router`'s --ssu2 is on).
	SSU2 bool
}

// A RaceResult is how one fresh router learnt the network.
type RaceResult struct {
	Impl        string        // "i2pseed", ImplI2PD or ImplJava
	Held        int           // of the network's routers, at the end
	Of          int           // the network's running routers
	To95, To100 time.Duration // from the common start; zero if not reached
	// Throttled counts the lookups of ours that Java floodfills logged as
	// throttled (dropped over their limit).
	Throttled int
}

// Addresses of the racers (Race).
const (
	raceOursAddr = "198.18.0.203"
	raceI2PDAddr = "198.18.0.204"
	raceJavaAddr = "198.18.1.204"
)

// Race starts three fresh routers at the same moment, each knowing only
// cfg.Seeds floodfills of the running network: `i2pseed router`, an
// i2pd and a Java I2P router (with cfg.JavaI2P). It polls their netDb directories and
// reports when each held 95% and all of the network's running routers,
// until all three hold all or cfg.Timeout passes.
func (st *State) Race(ctx context.Context, cfg RaceConfig) ([]RaceResult, error) {
	cfg.Seeds = cmpOr(cfg.Seeds, 2)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Minute
	}
	ns, err := OpenNetNS(st.NetNS)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(st.Dir, "race-")
	if err != nil {
		return nil, err
	}
	want, seeds, err := st.raceRouters(cfg.Seeds)
	if err != nil {
		return nil, err
	}
	bundle, err := st.raceSeeds(dir, seeds)
	if err != nil {
		return nil, err
	}
	host, err := raceHosts(ns, cfg.JavaI2P != "")
	if err != nil {
		return nil, err
	}
	if host != nil {
		defer host.Delete()
	}
	start := time.Now()
	racers, stop, err := st.startRacers(ns, host, cfg, dir, bundle)
	defer stop()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	pollRace(ctx, cfg.Log, start, racers, want)
	results := make([]RaceResult, len(racers))
	for i, r := range racers {
		results[i] = r.RaceResult
	}
	results[0].Throttled = st.throttled(routerHashIn(racers[0].output.String()))
	// Kept for the audit (AuditNetwork), which names our racer by its hash.
	if err := os.WriteFile(filepath.Join(dir, raceOursLog), []byte(racers[0].output.String()), 0o644); err != nil {
		return results, fmt.Errorf("testnet: race: %w", err)
	}
	return results, nil
}

// raceOursLog is our racer's output below a race's directory.
const raceOursLog = "ours/router.log"

// raceHashes are the hashes of our racers of the races run in the
// network kept in dir, from their logs.
func raceHashes(dir string) []netdb.Hash {
	logs, _ := filepath.Glob(filepath.Join(dir, "race-*", raceOursLog))
	var hashes []netdb.Hash
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		var h netdb.Hash
		if h.UnmarshalText([]byte(routerHashIn(string(b)))) == nil {
			hashes = append(hashes, h)
		}
	}
	return hashes
}

// raceSeeds writes the seeds where the racers find them: a netDb
// directory for ours (dir/seeds) and Java (dir/java/netDb), and a bundle
// for i2pd, whose path it returns.
func (st *State) raceSeeds(dir string, seeds []*netdb.RouterInfo) (string, error) {
	for _, netDb := range []string{filepath.Join(dir, "seeds"), filepath.Join(dir, "java", "netDb")} {
		for _, ri := range seeds {
			if _, err := netdb.Write(netDb, ri); err != nil {
				return "", err
			}
		}
	}
	return st.seedBundle(seeds, filepath.Join(dir, "seeds.su3"))
}

// raceHosts puts the racers' addresses on ns and, with java, makes the
// Java racer's host (else nil).
func raceHosts(ns *NetNS, java bool) (*NetNS, error) {
	for _, a := range []string{raceOursAddr, raceI2PDAddr} {
		if err := ns.AddAddr(a); err != nil && !alreadyAssigned(err) {
			return nil, err
		}
	}
	if !java {
		return nil, nil
	}
	return ns.NewHost(raceJavaAddr)
}

// A racer is one fresh router of a race.
type racer struct {
	RaceResult
	netDb   string        // its netDb directory
	i2pdLog string        // i2pd's log, "" for the others
	output  *LockedBuffer // ours's output
}

// startRacers starts `i2pseed router`, i2pd and (with cfg.JavaI2P)
// Java, in that order, from the seeds raceSeeds wrote below dir. stop
// stops those started, also on error.
func (st *State) startRacers(ns, host *NetNS, cfg RaceConfig, dir, bundle string) (_ []*racer, stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	oursLog := &LockedBuffer{}
	ours, err := startOursRouter(ns, cfg.Self, filepath.Join(dir, "ours"), filepath.Join(dir, "seeds"), st.netID().String(),
		raceOursAddr+":18203", st.Config.Java == 0, oursLog)
	if err != nil {
		return nil, stop, fmt.Errorf("testnet: race: %w", err)
	}
	stops = append(stops, func() { ours.Process.Signal(syscall.SIGTERM); ours.Wait() })
	i2pd, err := StartI2PD(cfg.I2PD, Options{NetNS: ns, Dir: filepath.Join(dir, "i2pd"), Args: append([]string{
		"--host=" + raceI2PDAddr, "--address4=" + raceI2PDAddr, "--port=18204", "--netid=" + st.netID().String(),
		"--ntcp2.enabled=true", "--ntcp2.published=true",
		"--certsdir=" + st.Server.CertsDir, "--reseed.file=" + bundle, "--reseed.verify=true"}, ssu2Args(cfg.SSU2)...)})
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, i2pd.Stop)
	racers := []*racer{
		{RaceResult: RaceResult{Impl: "i2pseed"}, netDb: filepath.Join(dir, "ours", "netDb"), output: oursLog},
		{RaceResult: RaceResult{Impl: ImplI2PD}, netDb: filepath.Join(i2pd.DataDir, "netDb"), i2pdLog: i2pd.LogFile},
	}
	if cfg.JavaI2P == "" {
		return racers, stop, nil
	}
	java, err := StartJava(JavaOptions{Jars: cfg.JavaI2P, Dir: filepath.Join(dir, "java"), NetNS: host, Host: raceJavaAddr,
		Port: 18205, I2CPPort: 17205, NetID: st.netID(), SSU2: cfg.SSU2})
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, java.Stop)
	return append(racers, &racer{RaceResult: RaceResult{Impl: ImplJava}, netDb: filepath.Join(dir, "java", "netDb")}), stop, nil
}

// pollRace updates the racers every second until each holds every
// router of want or ctx ends.
func pollRace(ctx context.Context, log io.Writer, start time.Time, racers []*racer, want map[netdb.Hash]bool) {
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-time.After(time.Second):
		}
		all := true
		for _, r := range racers {
			r.update(log, time.Since(start), want)
			all = all && r.To100 != 0
		}
		done = done || all
	}
}

// update counts the routers of want r holds at, a time since the start,
// and logs when it first holds 95% and all.
func (r *racer) update(log io.Writer, at time.Duration, want map[netdb.Hash]bool) {
	r.Held, r.Of = held(r.netDb, want), len(want)
	if r.i2pdLog != "" { // i2pd writes its netDb out once a minute; its log says at once
		r.Held = max(r.Held, loggedAdded(r.i2pdLog, want))
	}
	if r.To95 == 0 && r.Held*100 >= 95*r.Of {
		r.To95 = at
		logLine(log, "%s holds %d of %d after %v", r.Impl, r.Held, r.Of, at.Round(time.Second))
	}
	if r.To100 == 0 && r.Held == r.Of {
		r.To100 = at
		logLine(log, "%s holds all %d after %v", r.Impl, r.Of, at.Round(time.Second))
	}
}

// raceRouters are the running routers' hashes and the first n floodfills'
// RouterInfos.
func (st *State) raceRouters(n int) (map[netdb.Hash]bool, []*netdb.RouterInfo, error) {
	want := map[netdb.Hash]bool{}
	var seeds []*netdb.RouterInfo
	for _, r := range st.Routers {
		if r.Stopped {
			continue
		}
		var h netdb.Hash
		if err := h.UnmarshalText([]byte(r.Hash)); err != nil {
			return nil, nil, err
		}
		want[h] = true
		if r.Floodfill && len(seeds) < n {
			path := filepath.Join(r.Dir, "data", "router.info")
			if r.Impl == ImplJava {
				path = filepath.Join(r.Dir, "router.info")
			}
			ri, err := readRouterInfo(path)
			if err != nil {
				return nil, nil, err
			}
			seeds = append(seeds, ri)
		}
	}
	if len(seeds) == 0 {
		return nil, nil, fmt.Errorf("testnet: race: no running floodfill")
	}
	return want, seeds, nil
}

// seedBundle signs the seeds as a reseed bundle at path, by the test
// signer the network's i2pd routers trust.
func (st *State) seedBundle(seeds []*netdb.RouterInfo, path string) (string, error) {
	signer, err := testSigner(filepath.Join(st.Dir, "server", "keys"))
	if err != nil {
		return "", err
	}
	return path, writeBundle(path, seeds, signer)
}

// held counts the routers of want with a RouterInfo file in dir.
func held(dir string, want map[netdb.Hash]bool) int {
	n := 0
	subs, _ := os.ReadDir(dir)
	for _, sub := range subs {
		files, _ := os.ReadDir(filepath.Join(dir, sub.Name()))
		for _, f := range files {
			name, ok := strings.CutPrefix(f.Name(), "routerInfo-")
			name, ok2 := strings.CutSuffix(name, ".dat")
			var h netdb.Hash
			if ok && ok2 && h.UnmarshalText([]byte(name)) == nil && want[h] {
				n++
			}
		}
	}
	return n
}

// loggedAdded counts the routers of want an i2pd log says it added.
func loggedAdded(logFile string, want map[netdb.Hash]bool) int {
	b, _ := os.ReadFile(logFile)
	seen := map[netdb.Hash]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		_, hash, ok := strings.Cut(line, "NetDb: RouterInfo added: ")
		var h netdb.Hash
		if ok && h.UnmarshalText([]byte(strings.TrimSpace(hash))) == nil && want[h] {
			seen[h] = true
		}
	}
	return len(seen)
}

// routerHashIn is the hash `i2pseed router` logged (slog quotes it:
// base64 ends in "=").
func routerHashIn(log string) string {
	_, rest, _ := strings.Cut(log, "msg=router hash=")
	h, _, _ := strings.Cut(rest, " ")
	return strings.Trim(h, `"`)
}

// throttled counts the lookups from hash the Java floodfills logged as
// throttled.
func (st *State) throttled(hash string) int {
	if hash == "" {
		return 0
	}
	n := 0
	for _, r := range st.Routers {
		if r.Impl != ImplJava || !r.Floodfill {
			continue
		}
		b, _ := os.ReadFile(filepath.Join(r.Dir, JavaLog))
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "(throttled)") && strings.Contains(line, hash) {
				n++
			}
		}
	}
	return n
}
