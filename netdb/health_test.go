package netdb

import (
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	good := &Report{RouterInfos: 200, Eligible: 180, Floodfills: 20, Rejected: map[string]int{}, Skipped: map[string]int{}}
	for _, f := range good.Health(150, 24*time.Hour) {
		if f.Level != LevelOK {
			t.Errorf("healthy netDb: %v %s", f.Level, f.Text)
		}
	}
	bad := &Report{RouterInfos: 200, Eligible: 10, Floodfills: 2,
		Rejected: map[string]int{RejectTooOld.String(): 150, RejectSignature.String(): 1}, Skipped: map[string]int{SkipName.String(): 2}}
	got := bad.Health(150, 24*time.Hour)
	want := []Level{LevelFail, LevelWarn, LevelWarn, LevelWarn}
	if len(got) != len(want) {
		t.Fatalf("%d findings, want %d: %v", len(got), len(want), got)
	}
	for i, f := range got {
		if f.Level != want[i] {
			t.Errorf("finding %d: %v %s, want %v", i, f.Level, f.Text, want[i])
		}
	}
	if got[3].Text[:2] != "3 " {
		t.Errorf("broken files: %q, want 3", got[3].Text)
	}
}

func TestFindingString(t *testing.T) {
	for _, tt := range []struct {
		f    Finding
		want string
	}{
		{Finding{LevelOK, "no broken files"}, "OK    no broken files"},
		{Finding{LevelWarn, "2 eligible floodfills"}, "WARN  2 eligible floodfills"},
		{Finding{LevelFail, "10 eligible RouterInfos"}, "FAIL  10 eligible RouterInfos"},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
