package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manCmd writes man pages and shell completions generated from the command
// tree, for packages (the .deb ships them).
func (a *app) manCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:    "gendocs --out DIR",
		Hidden: true,
		Args:   exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := a.cfg.GetString("out")
			if out == "" {
				return usagef("gendocs: --out DIR is required")
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			man := filepath.Join(out, "man1")
			comp := filepath.Join(out, "completion")
			for _, d := range []string{man, comp} {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return fmt.Errorf("--out: %w", err)
				}
			}
			if err := doc.GenManTree(root, &doc.GenManHeader{Title: "I2PSEED", Section: "1", Source: "i2pseed " + version()}, man); err != nil {
				return err
			}
			for name, gen := range map[string]func(string) error{
				"i2pseed.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
				"_i2pseed":     root.GenZshCompletionFile,
				"i2pseed.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
			} {
				if err := gen(filepath.Join(comp, name)); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.stdout, "man pages in %s, completions in %s\n", man, comp)
			return nil
		},
	}
	cmd.Flags().String("out", "", "output directory")
	return cmd
}
