package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/perfproducer/perfproducer/core"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: 0 all records delivered, 1 some failed (or the run could not
// be made), 2 bad command line: a flag, a producer property, or a file a
// flag names that cannot be read.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// run is the whole command, separated from main for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "trace" {
		return runTrace(ctx, args[1:], stdout, stderr)
	}
	o, err := parseArgs(args)
	if err == errUsage { // --help
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer:", err)
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	res, err := benchmark(ctx, o, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer:", err)
		if errors.Is(err, errUsage) || errors.Is(err, core.ErrInvalidConfig) {
			fmt.Fprint(stderr, usage)
			return exitUsage
		}
		return exitFailed
	}
	if res.failed > 0 {
		fmt.Fprintf(stderr, "perfproducer: %d of %d records failed; first error: %v\n", res.failed, res.sent, res.firstErr)
		return exitFailed
	}
	return exitOK
}
