package main

import (
	_ "embed"
	"fmt"

	"github.com/spf13/cobra"
)

// exampleConfig documents every serve setting; keys are flag names
// (TestExampleConfigListsEverySetting holds it to that).
//
//go:embed config.example.yaml
var exampleConfig string

func (a *app) configCmd() *cobra.Command {
	return group("config", &cobra.Command{
		Use:  "example",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprint(a.stdout, exampleConfig)
			return err
		},
	})
}
