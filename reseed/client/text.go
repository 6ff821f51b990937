package client

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes a line per server under a header (URL, result with
// the signer, RouterInfos accepted, floodfills, rejections by reason,
// time taken), then the total: i2pseed bootstrap's and mirror's report.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tRESULT\tACCEPTED\tFLOODFILLS\tREJECTED\tTIME")
	unsigned := 0
	for _, s := range r.Servers {
		if s.Unsigned && s.Err == nil {
			unsigned++
		}
		var rej []string
		for reason, n := range s.Rejected {
			rej = append(rej, fmt.Sprintf("%s %d", reason, n))
		}
		slices.Sort(rej)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%v\n", s.URL, s.status("ok ("+s.Signer+")"), s.Accepted, s.Floodfills, strings.Join(rej, ", "), roundDuration(s.Duration))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "total: %d RouterInfos (%d floodfills) from %d of %d bundles", len(r.Routers), r.Floodfills(), r.Succeeded(), len(r.Servers))
	if unsigned > 0 {
		fmt.Fprintf(w, "; %d unsigned zip (no su3 signature checked)", unsigned)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// String is a line on one finished server, as bootstrap reports progress:
// "URL: 75 RouterInfos in 1.2s: ok" (or "unsigned zip", or the error).
func (s ServerResult) String() string {
	return fmt.Sprintf("%s: %d RouterInfos in %v: %s", s.URL, s.Accepted, roundDuration(s.Duration), s.status("ok"))
}

// status is the error, else "unsigned zip", else ok.
func (s *ServerResult) status(ok string) string {
	switch {
	case s.Err != nil:
		return s.Err.Error()
	case s.Unsigned:
		return "unsigned zip"
	}
	return ok
}

// roundDuration shows d to the millisecond, or to the microsecond below
// one, so that a quick local file does not read as 0s.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}
