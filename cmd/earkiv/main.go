// Command earkiv is the e-archive ingest and preservation service. This file only
// wires the internal packages to the command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit codes shared by every command: 0 all good, 1 the input is bad (invalid
// package, failed audit), 2 the command could not run.
const (
	exitOK      = 0
	exitInvalid = 1
	exitFailure = 2
)

// stdout is where commands write what scripts read. main points
// os.Stdout at standard error before anything runs, so what a library
// prints there (the embedded S3 gateway announces itself) never lands
// inside a command's JSON or CSV.
var stdout io.Writer = os.Stdout

func main() {
	stdout = os.Stdout
	os.Stdout = os.Stderr
	os.Exit(run(os.Args))
}

func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	version = readBuildInfo().Version
	app := &cli.App{
		Name:    "earkiv",
		Usage:   "e-archive ingest and preservation for Swedish municipalities (FGS 1.x and E-ARK/FGS 2.0 packages)",
		Version: version,
		Flags:   []cli.Flag{schemaDirFlag(true), logLevelFlag(true)},
		Before:  setLogLevel,
		Commands: []*cli.Command{serveCommand(), workerCommand(), submitCommand(), receiptCommand(), tenantCommand(), userCommand(), loginCommand(), whoamiCommand(), planCommand(), retentionCommand(), holdCommand(), disposalCommand(), reviewCommand(), reindexCommand(), eventsCommand(), fixityCommand(), accesslogCommand(),
			validateCommand(), xsdCommand(), sampleCommand(), versionCommand()},
		ExitErrHandler: func(*cli.Context, error) {},
		Writer:         stdout,
	}
	acceptAppFlags(app.Commands)
	err := app.RunContext(ctx, args)
	if err == nil {
		return exitOK
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "earkiv:", msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintln(os.Stderr, "earkiv:", err)
	return exitFailure
}

func exitErr(code int, format string, args ...any) error {
	return cli.Exit(fmt.Sprintf(format, args...), code)
}
