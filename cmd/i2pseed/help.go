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
// i2pseed-su3-sign.txt), holds the command's one-line summary (Short);
// then, if it has one, a blank line and its long help (Long); then, if it
// has any, a line "---example---" and its examples (Example). Use, Args
// and flags stay in the code. Every command has its file and every file
// its command: setHelp panics otherwise, and TestHelpFiles runs it.
//
//go:embed help/*.txt
var helpFiles embed.FS

// setHelp fills the Short, Long and Example of root and of every command
// below it from their help files.
func setHelp(root *cobra.Command) {
	names, _ := fs.Glob(helpFiles, "help/*.txt")
	unused := map[string]bool{}
	for _, n := range names {
		unused[n] = true
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		name := "help/" + strings.ReplaceAll(c.CommandPath(), " ", "-") + ".txt"
		b, err := helpFiles.ReadFile(name)
		if err != nil || c.Short+c.Long+c.Example != "" {
			panic(fmt.Sprintf("%s: want its help in %s, and only there", c.CommandPath(), name))
		}
		delete(unused, name)
		if c.Short, c.Long, c.Example = parseHelp(string(b)); c.Short == "" || strings.Contains(c.Short, "\n") {
			panic(name + ": want a one-line summary, then a blank line before the long help")
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for n := range unused {
		panic(n + ": no command has this path")
	}
}

// parseHelp splits a help file into its summary, long help and examples.
func parseHelp(s string) (short, long, example string) {
	head, example, _ := strings.Cut(strings.TrimSuffix(s, "\n"), "\n---example---\n")
	short, long, _ = strings.Cut(head, "\n\n")
	return short, long, example
}
