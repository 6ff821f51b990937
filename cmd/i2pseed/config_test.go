package main

import (
	"io"
	"regexp"
	"testing"

	"github.com/spf13/pflag"
)

// TestExampleConfigListsEverySetting: every serve flag is a key of the
// example config, set or commented.
func TestExampleConfigListsEverySetting(t *testing.T) {
	serve, _, err := newApp(io.Discard, io.Discard).root.Find([]string{"serve"})
	if err != nil {
		t.Fatal(err)
	}
	serve.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "help" || f.Name == "config" {
			return
		}
		if !regexp.MustCompile(`(?m)^(# )?` + regexp.QuoteMeta(f.Name) + `:`).MatchString(exampleConfig) {
			t.Errorf("example config lacks %s", f.Name)
		}
	})
}
