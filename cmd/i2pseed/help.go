package main

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"
)

// Help prose is documentation, kept as data: help/<command path>.txt, the
// path's words joined by "-" as the man pages are named (i2pseed.txt,
// i2pseed-su3-sign.txt), holds the command's Long text, then a line
// "---example---" and its Example. Either part may be left out: a command
// with nothing beyond its Short has an empty file. Every command has its
// file and every file its command; setHelp panics otherwise, and
// TestHelpFiles runs it over the whole tree.
//
//go:embed help/*.txt
var helpFiles embed.FS

// setHelp fills the Long and Example of root and every command below it
// from their help files.
func setHelp(root *cobra.Command) {
	names, _ := fs.Glob(helpFiles, "help/*.txt")
	unused := map[string]bool{}
	for _, n := range names {
		unused[n] = true
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		name := helpFile(c)
		b, err := helpFiles.ReadFile(name)
		if err != nil || c.Long != "" || c.Example != "" {
			panic(fmt.Sprintf("%s: want its Long and Example in %s, and only there", c.CommandPath(), name))
		}
		delete(unused, name)
		c.Long, c.Example = parseHelp(string(b))
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for n := range unused {
		panic(n + ": no command has this path")
	}
}

func helpFile(c *cobra.Command) string {
	return "help/" + strings.ReplaceAll(c.CommandPath(), " ", "-") + ".txt"
}

// parseHelp splits a help file into the Long text and the Example.
func parseHelp(s string) (long, example string) {
	long, example, _ = strings.Cut("\n"+s, "\n---example---\n")
	return strings.TrimSuffix(strings.TrimPrefix(long, "\n"), "\n"), strings.TrimSuffix(example, "\n")
}
