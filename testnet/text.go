package testnet

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes what Up started, which took took: a line per router
// under a header, the server, and the commands that point a client at it
// and take the network down (i2pseed testnet up's report).
func (st *State) WriteSummary(w io.Writer, took time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "test network up in %v, network namespace %s\n\n", took.Round(100*time.Millisecond), st.NetNS)
	fmt.Fprintln(tw, "ROUTER\tIMPL\tNTCP2\tFLOODFILL\tPID")
	for _, r := range st.Routers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\n", r.Hash, r.Impl, r.Addr, r.Floodfill, r.PID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, `
reseed server  %s (pid %d, log %s)
  signer       %s, certificate %s
  TLS          self-signed, %s

point a client at it (from inside the namespace):
  ip netns exec %s i2pd --netid=%d --reseed.urls=%s --reseed.verify=true --certsdir=%s --host=198.18.0.201 ...
  ip netns exec %s i2pseed %s
  i2pseed testnet bootstrap --dir %s     (a fresh i2pd reseeds from it and reports)
stop it:
  i2pseed testnet down --dir %s
`, st.Server.URL, st.Server.PID, st.Server.Log, signerID, st.Server.SignerCert, st.Server.TLSCert,
		st.NetNS, st.NetID, st.Server.URL, st.Server.CertsDir,
		st.NetNS, strings.Join(st.BootstrapArgs("NETDB"), " "), st.Dir, st.Dir)
	return err
}

// WriteRouters writes a line per router: "stopped java 198.18.0.13:18803
// <hash>" for the verb "stopped".
func WriteRouters(w io.Writer, verb string, rs []RouterState) error {
	for _, r := range rs {
		if _, err := fmt.Fprintf(w, "%s %s %s %s\n", verb, r.Impl, r.Addr, r.Hash); err != nil {
			return err
		}
	}
	return nil
}

// WriteText writes the routers stopped, then how soon the bundles left
// them out and the share of live routers with and without liveness.
func (r *LivenessResult) WriteText(w io.Writer) error {
	if err := WriteRouters(w, "stopped", r.Stopped); err != nil {
		return err
	}
	fmt.Fprintf(w, "bundles left them out %v after they stopped\n", r.Gone.Round(time.Second))
	fmt.Fprintf(w, "with liveness:    %d of %d RouterInfos in a bundle are live (%.0f%%)\n", r.BundleLive, r.Bundle, pct(r.BundleLive, r.Bundle))
	_, err := fmt.Fprintf(w, "without liveness: %d of %d eligible RouterInfos are live (%.0f%%)\n", r.SnapshotLive, r.Snapshot, pct(r.SnapshotLive, r.Snapshot))
	return err
}

// WriteText writes how the fresh router, name as people call it ("i2pd",
// "Java I2P router"), reseeded from server, then its log's reseed failure
// lines, indented.
func (r *BootstrapResult) WriteText(w io.Writer, name, server string) error {
	fmt.Fprintf(w, "fresh %s reseeded from %s: %d RouterInfos added in %v\n", name, server, r.Added, r.Took.Round(time.Millisecond))
	for _, l := range r.Failures {
		if _, err := fmt.Fprintln(w, "  "+l); err != nil {
			return err
		}
	}
	return nil
}

// WriteRace writes a line per racer under a header: routers held of
// those running, time to 95% and to all ("-": not reached), lookups
// throttled.
func WriteRace(w io.Writer, res []RaceResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTER\tHOLDS\tTO 95%\tTO 100%\tTHROTTLED")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%d of %d\t%s\t%s\t%d\n", r.Impl, r.Held, r.Of, orDash(r.To95), orDash(r.To100), r.Throttled)
	}
	return tw.Flush()
}

// WriteTunnels writes a line per fresh router under a header: the server
// it reseeded from, RouterInfos added, time to its first exploratory
// tunnels ("-": not within the limit).
func WriteTunnels(w io.Writer, res []TunnelResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tROUTER\tRESEEDED\tTUNNELS EACH WAY")
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", r.Server, r.Impl, r.Added, orDash(r.Tunnels))
	}
	return tw.Flush()
}

// orDash is d to the second, or "-" for zero.
func orDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Second).String()
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// WriteOffences writes a line per offence, its file relative to dir:
// "routers/3/i2pd.log:120: i2pd ban: ...".
func (a *Audit) WriteOffences(w io.Writer, dir string) error {
	for _, o := range a.Offences {
		if _, err := fmt.Fprintln(w, o.Rel(dir)); err != nil {
			return err
		}
	}
	return nil
}

// WriteUnnamed writes the lines that name no peer, indented under a line
// that counts them; nothing if there are none.
func (a *Audit) WriteUnnamed(w io.Writer, dir string) error {
	if len(a.Unnamed) == 0 {
		return nil
	}
	fmt.Fprintf(w, "%d lines name no peer (not counted; ours or another's):\n", len(a.Unnamed))
	for _, o := range a.Unnamed {
		if _, err := fmt.Fprintln(w, "  "+o.Rel(dir).String()); err != nil {
			return err
		}
	}
	return nil
}
