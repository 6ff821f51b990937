package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cast"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config keys are flag names. A key no command has is a mistake, not a
// setting: a misspelled bundle-sise would otherwise leave bundle-size at
// its default without a word. Keys of other commands are allowed, so one
// config file can serve serve and router alike.

// checkConfigKeys refuses a config file key or I2PSEED_* variable that is
// no command's flag (naming the flag meant, when one is close) or whose
// value is not of its flag's type.
func (a *app) checkConfigKeys(path string) error {
	known := allFlags(a.root)
	if path != "" {
		file := viper.New()
		file.SetConfigFile(path)
		if err := file.ReadInConfig(); err != nil {
			return usagef("--config %s: %v", path, err)
		}
		for _, k := range file.AllKeys() {
			if err := checkKey(known, k, file.Get(k)); err != nil {
				return usagef("--config %s: %v", path, err)
			}
		}
	}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		rest, ok := strings.CutPrefix(name, "I2PSEED_")
		if !ok || value == "" { // empty is unset, as viper reads it
			continue
		}
		if err := checkKey(known, strings.ToLower(strings.ReplaceAll(rest, "_", "-")), value); err != nil {
			return usagef("environment %s: %v", name, err)
		}
	}
	return nil
}

// allFlags is every flag of every command, by name.
func allFlags(root *cobra.Command) map[string]*pflag.Flag {
	flags := map[string]*pflag.Flag{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(f *pflag.Flag) { flags[f.Name] = f }
		c.Flags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return flags
}

// checkKey checks that key is a flag's and value one of its type.
func checkKey(known map[string]*pflag.Flag, key string, value any) error {
	f, ok := known[key]
	if !ok {
		if meant := closest(key, known); meant != "" {
			return fmt.Errorf("unknown key %q (did you mean %q?)", key, meant)
		}
		return fmt.Errorf("unknown key %q (keys are flag names; see 'i2pseed config example')", key)
	}
	if want, ok := typeOK(f.Value.Type(), value); !ok {
		return fmt.Errorf("%s: %v is not %s", key, quoted(value), want)
	}
	return nil
}

// typeOK reports whether value converts to a flag of type typ, and what
// that type is called for people.
func typeOK(typ string, value any) (string, bool) {
	var err error
	var want string
	switch typ {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		want = "a whole number"
		_, err = cast.ToInt64E(value)
	case "float32", "float64":
		want = "a number"
		_, err = cast.ToFloat64E(value)
	case "bool":
		want = "true or false"
		_, err = cast.ToBoolE(value)
	case "duration":
		want = "a duration (e.g. 90s, 30m, 1h)"
		_, err = cast.ToDurationE(value)
	case "stringSlice", "stringArray":
		want = "a list"
		_, err = cast.ToStringSliceE(value)
	default:
		want = "a single value"
		_, err = cast.ToStringE(value)
	}
	return want, err == nil
}

func quoted(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%v", v)
}

// closest is the flag name nearest key, at most one edit in four
// characters away (one for short keys), "" when none is.
func closest(key string, known map[string]*pflag.Flag) string {
	best, bestD := "", max(1, len(key)/4)+1
	names := make([]string, 0, len(known))
	for n := range known {
		names = append(names, n)
	}
	slices.Sort(names) // ties go the same way every time
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
