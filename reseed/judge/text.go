package judge

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes a line per check (verdict, name, whose rule, detail)
// and a total: i2pseed check's report.
func (r *Report) WriteText(w io.Writer) error {
	for _, c := range r.Checks {
		fmt.Fprintf(w, "%-5s %-15s %-8s %s\n", c.Verdict, c.Name, c.Rule, c.Detail)
	}
	_, err := fmt.Fprintf(w, "%d checks, %d requests: %d FAIL, %d WARN, %d LIMIT\n", len(r.Checks), r.Requests,
		r.Count(Fail), r.Count(Warn), r.Count(Limited))
	return err
}

// A Round is one judgement of every server a Monitor watches, in order.
type Round []ServerJudgement

// A ServerJudgement is a Judgement of the server it names.
type ServerJudgement struct {
	Server string
	Judgement
}

// CheckAll judges every server now, one after another, as CheckNow does;
// it stops at the first error (saving the history).
func (m *Monitor) CheckAll(ctx context.Context) (Round, error) {
	var r Round
	for _, s := range m.Servers() {
		j, err := m.CheckNow(ctx, s)
		if err != nil {
			return r, err
		}
		r = append(r, ServerJudgement{s, j})
	}
	return r, nil
}

// Down counts the servers judged DOWN (not those that rate-limited us).
func (r Round) Down() int {
	n := 0
	for _, s := range r {
		if s.Judged && !s.Up {
			n++
		}
	}
	return n
}

// WriteTable writes a line per server under a header: state, RouterInfos,
// floodfills, time taken, failed and warned checks ("-" for none) and the
// first error, as i2pseed monitor --once prints it.
func (r Round) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tSTATE\tROUTERINFOS\tFLOODFILLS\tTOOK\tFAIL\tWARN\tERROR")
	for _, s := range r {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%v\t%s\t%s\t%s\n", s.Server, s.State(), s.RouterInfos, s.Floodfills, s.Took.Round(time.Millisecond),
			names(s.Fail), names(s.Warn), s.Error)
	}
	return tw.Flush()
}

// names joins check names with commas, or is "-" for none.
func names(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
