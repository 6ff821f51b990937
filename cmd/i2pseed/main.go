// Command i2pseed is the I2P reseed toolkit: signer keys and SU3 files,
// netDb tools, the reseed server with its built-in router, the bootstrap
// client and mirror, a server checker and private test networks.
//
// Output rules: results go to stdout, diagnostics and errors to stderr.
// Every error is one line, "i2pseed: ...", naming the flag or file to fix.
// Exit status: 0 success, 1 the operation failed (e.g. a signature did not
// verify), 2 usage error (bad or missing flags or arguments).
package main

import (
	"context"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdout, stderr)
}

// runContext is run with a context that, when done, stops long-running
// commands such as serve (as SIGTERM does).
func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	return app.execute(ctx, args)
}
