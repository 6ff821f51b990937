package netdb

import (
	"fmt"
	"time"
)

// A Level is how a health finding reads: OK, WARN or FAIL.
type Level uint8

const (
	LevelOK Level = iota
	LevelWarn
	LevelFail
)

func (l Level) String() string { return [...]string{"OK", "WARN", "FAIL"}[l] }

// A Finding is one line of a netDb's health.
type Finding struct {
	Level Level
	Text  string
}

// String is the finding as i2pseed netdb check prints it: "WARN  text".
func (f Finding) String() string { return fmt.Sprintf("%-4s  %s", f.Level, f.Text) }

// Health judges whether the netDb r reports on can feed a reseed server:
// at least minEligible eligible RouterInfos (else FAIL), at least 5
// eligible floodfills, at most half older than maxAge, no broken files
// (else WARN).
func (r *Report) Health(minEligible int, maxAge time.Duration) []Finding {
	var out []Finding
	add := func(ok bool, bad Level, okText, badText string, args ...any) {
		if ok {
			out = append(out, Finding{LevelOK, fmt.Sprintf(okText, args...)})
		} else {
			out = append(out, Finding{bad, fmt.Sprintf(badText, args...)})
		}
	}
	add(r.Eligible >= minEligible, LevelFail, "%d eligible RouterInfos (need %d)",
		"%d eligible RouterInfos, need %d: is the router running and integrated? (--min-eligible)", r.Eligible, minEligible)
	add(r.Floodfills >= 5, LevelWarn, "%d eligible floodfills", "%d eligible floodfills, bundles should carry at least 5", r.Floodfills)
	stale := r.Rejected[RejectTooOld.String()]
	add(r.RouterInfos == 0 || stale*2 <= r.RouterInfos, LevelWarn, "%d of %d RouterInfos older than %v",
		"%d of %d RouterInfos older than %v: stale netDb", stale, r.RouterInfos, maxAge)
	broken := r.Rejected[RejectSignature.String()] + r.Skipped[SkipMalformed.String()] + r.Skipped[SkipName.String()] + r.Skipped[SkipUnreadable.String()]
	if broken == 0 {
		out = append(out, Finding{LevelOK, "no broken files"})
	} else {
		out = append(out, Finding{LevelWarn, fmt.Sprintf("%d broken files (bad signature, malformed, misnamed or unreadable): --prune removes them", broken)})
	}
	return out
}
