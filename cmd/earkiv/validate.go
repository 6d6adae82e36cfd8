package main

import (
	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/validate"
	"github.com/earkiv/earkiv/schemas"
)

func newValidator(c *cli.Context, workers int) (*validate.Validator, error) {
	fsys, where, err := schemas.Open(globalString(c, "schema-dir"))
	if err != nil {
		return nil, exitErr(exitFailure, "%v", err)
	}
	v, err := validate.New(fsys, validate.Options{Workers: workers})
	if err != nil {
		return nil, exitErr(exitFailure, "schemas from %s: %v", where, err)
	}
	return v, nil
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "validate delivery packages offline (directory, .zip, .tar, .tar.gz)",
		ArgsUsage: "PACKAGE...",
		Description: `Checks each package as an ingest worker would: safe structure, root METS
(well-formed, XSD, FGS 1.x or E-ARK CSIP/SIP rules), representation METS, every
listed file (exists, size, checksum), unlisted files, and XML metadata (PREMIS,
CITS ERMS, FGS Ärendehantering) against the official schemas.

Exit status: 0 all packages valid, 1 at least one invalid, 2 could not run.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (commons-ip style)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "also list MAY-level notes"},
			&cli.IntFlag{Name: "workers", Usage: "files hashed in parallel (0: one per CPU)"},
			schemaDirFlag(false),
		},
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return exitErr(exitFailure, "validate: no package given (usage: earkiv validate PACKAGE...)")
			}
			v, err := newValidator(c, c.Int("workers"))
			if err != nil {
				return err
			}
			code := exitOK
			for _, p := range c.Args().Slice() {
				res, err := v.ValidatePath(c.Context, p)
				if err != nil {
					return exitErr(exitFailure, "validate %s: %v", p, err)
				}
				if c.Bool("json") {
					err = res.Report.WriteJSON(stdout)
				} else {
					err = res.Report.WriteText(stdout, c.Bool("verbose"))
				}
				if err != nil {
					return exitErr(exitFailure, "write report: %v", err)
				}
				if !res.Report.Valid {
					code = exitInvalid
				}
			}
			if code != exitOK {
				return cli.Exit("", code)
			}
			return nil
		},
	}
}
