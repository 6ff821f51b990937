package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/i2pseed/i2pseed/netdb"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// netID reads --netid: one byte, 1-255 (an I2P netId; 2 is the live network).
func (a *app) netID() (netdb.NetID, error) {
	n, err := netdb.NetIDFromInt(a.cfg.GetInt("netid"))
	if err != nil {
		return 0, usagef("--netid %d: want 1-255 (2 is the live network)", a.cfg.GetInt("netid"))
	}
	return n, nil
}

// app holds one invocation's state, so tests can run many in one process.
type app struct {
	root           *cobra.Command
	cfg            *viper.Viper
	stdout, stderr io.Writer
	now            func() time.Time
}

func newApp(stdout, stderr io.Writer) *app {
	a := &app{cfg: viper.New(), stdout: stdout, stderr: stderr, now: time.Now}
	a.cfg.SetEnvPrefix("I2PSEED")
	a.cfg.SetEnvKeyReplacer(strings.NewReplacer("-", "_"))
	a.cfg.AutomaticEnv()
	root := &cobra.Command{
		Use:           "i2pseed",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.loadConfig(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().String("config", "", "config file (YAML or TOML) whose keys are flag names")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})
	root.AddCommand(a.keygenCmd(), a.su3Cmd(), a.netdbCmd(), a.serveCmd(), a.routerCmd(), a.bootstrapCmd(), a.mirrorCmd(), a.checkCmd(), a.monitorCmd(), a.configCmd(), a.testnetCmd(), a.versionCmd(), a.manCmd(), a.healthcheckCmd())
	setHelp(root)
	a.root = root
	return a
}

// loadConfig binds the running command's flags to the config, then reads
// the config file, if any.
func (a *app) loadConfig(cmd *cobra.Command) error {
	if err := a.cfg.BindPFlags(cmd.Flags()); err != nil {
		return err
	}
	path := a.cfg.GetString("config")
	if err := a.checkConfigKeys(path); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	a.cfg.SetConfigFile(path)
	if err := a.cfg.ReadInConfig(); err != nil {
		return usagef("--config %s: %v", path, err)
	}
	return nil
}

func (a *app) execute(ctx context.Context, args []string) int {
	a.root.SetArgs(args)
	err := a.root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(a.stderr, "i2pseed: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsageError(err) {
		return exitUsage
	}
	return exitFailure
}

// isCobraUsageError recognises the argument-count and unknown-command errors
// cobra returns as plain errors.
func isCobraUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// exactArgs is cobra.ExactArgs with a message naming what is missing.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s needs %s, got %d argument(s) (see '%s --help')", cmd.CommandPath(), names, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// group is a command that holds subcommands and, run alone, shows its help.
func group(use string, subs ...*cobra.Command) *cobra.Command {
	names := make([]string, len(subs))
	for i, c := range subs {
		names[i] = c.Name()
	}
	cmd := &cobra.Command{Use: use, Args: exactArgs(0, "a subcommand ("+strings.Join(names, ", ")+")"),
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() }}
	cmd.AddCommand(subs...)
	return cmd
}

func (a *app) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:  "version",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(a.stdout, "i2pseed", version())
			return nil
		},
	}
}

// output prints v as indented JSON when --json is set, else as text.
func (a *app) output(v any, text func(io.Writer) error) error {
	if a.cfg.GetBool("json") {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return text(a.stdout)
}
