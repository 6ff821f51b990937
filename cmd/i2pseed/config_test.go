package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// TestConfigMistakesAreUsageErrors: a misspelled key or a value of the
// wrong type, in the file or the environment, exits 2 (usage) before the
// command runs, and the example config passes.
func TestConfigMistakesAreUsageErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tt := range []struct {
		name, file, env string
		want            int
	}{
		{"typo", "bundle-sise: 80\n", "", exitUsage},
		{"wrong type", "bundle-size: lots\n", "", exitUsage},
		{"env typo", "", "I2PSEED_REBILD=1h", exitUsage},
		{"env wrong type", "", "I2PSEED_DRAIN=soon", exitUsage},
		{"example", exampleConfig, "", exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if k, v, ok := strings.Cut(tt.env, "="); ok {
				t.Setenv(k, v)
			}
			var stderr strings.Builder
			got := run([]string{"config", "example", "--config", write(tt.name+".yaml", tt.file)}, io.Discard, &stderr)
			if got != tt.want {
				t.Errorf("exit %d, want %d (%s)", got, tt.want, stderr.String())
			}
		})
	}
}

func TestClosestKey(t *testing.T) {
	known := allFlags(newApp(io.Discard, io.Discard).root)
	for key, want := range map[string]string{
		"bundle-sise": "bundle-size", "rebild": "rebuild", "tls-crt": "tls-cert", "yggdrasil-lisen": "yggdrasil-listen",
		"colour": "", "x": "",
	} {
		if got := closest(key, known); got != want {
			t.Errorf("closest(%q) = %q, want %q", key, got, want)
		}
	}
}
