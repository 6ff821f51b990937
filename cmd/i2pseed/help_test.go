package main

import (
	"io"
	"io/fs"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpFiles holds every command to its help file and every help file
// to its command.
func TestHelpFiles(t *testing.T) {
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("newApp: %v", r)
		}
	}()
	a := newApp(io.Discard, io.Discard)
	cmds := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		cmds++
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(a.root)
	names, _ := fs.Glob(helpFiles, "help/*.txt")
	if len(names) != cmds {
		t.Errorf("got %d help files, want one per command: %d", len(names), cmds)
	}
	if a.root.Long == "" {
		t.Error("root has no Long text")
	}
}

// TestSetHelpPanics: a command without its help file, a help file without
// its command, and help text left in code each stop the program at start.
func TestSetHelpPanics(t *testing.T) {
	for _, tt := range []struct {
		name string
		root *cobra.Command
	}{
		{"missing file", func() *cobra.Command {
			root := &cobra.Command{Use: "i2pseed"}
			root.AddCommand(&cobra.Command{Use: "nosuch"})
			return root
		}()},
		{"unused file", &cobra.Command{Use: "i2pseed"}},
		{"Short in code", &cobra.Command{Use: "i2pseed", Short: "in code"}},
		{"Long in code", &cobra.Command{Use: "i2pseed", Long: "in code"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("setHelp did not panic")
				}
			}()
			setHelp(tt.root)
		})
	}
}

func TestParseHelp(t *testing.T) {
	for _, tt := range []struct{ file, short, long, example string }{
		{"Summary.\n", "Summary.", "", ""},
		{"Summary.\n\nLong.\n", "Summary.", "Long.", ""},
		{"Summary.\n\nLong.\n\n  indented\n---example---\n  i2pseed x\n  i2pseed y\n", "Summary.", "Long.\n\n  indented", "  i2pseed x\n  i2pseed y"},
		{"Summary.\n---example---\n  i2pseed x\n", "Summary.", "", "  i2pseed x"},
		{"Summary\nthat wraps.\n", "Summary\nthat wraps.", "", ""}, // setHelp refuses it
	} {
		short, long, example := parseHelp(tt.file)
		if short != tt.short || long != tt.long || example != tt.example {
			t.Errorf("parseHelp(%q) = %q, %q, %q; want %q, %q, %q", tt.file, short, long, example, tt.short, tt.long, tt.example)
		}
	}
}
