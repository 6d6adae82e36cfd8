package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/fgs"
	"github.com/earkiv/earkiv/internal/fixity"
	"github.com/earkiv/earkiv/internal/samplegen"
	"github.com/earkiv/earkiv/internal/units"
	"github.com/earkiv/earkiv/schemas"
)

func sampleCommand() *cli.Command {
	return &cli.Command{
		Name:  "sample",
		Usage: "write sample delivery packages",
		Subcommands: []*cli.Command{
			{
				Name:      "generate",
				Usage:     "write a synthetic valid package of any size",
				ArgsUsage: "OUT",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "family", Value: "eark", Usage: "fgs1 (FGS 1.x + FGS Ärendehantering) or eark (E-ARK SIP 2.x + CITS ERMS)"},
					&cli.IntFlag{Name: "cases", Value: 1, Usage: "ärenden"},
					&cli.IntFlag{Name: "files", Value: 1, Usage: "handlingar per ärende"},
					sizeFlag("size", "1KiB", "bytes per handling ("+units.SizeForms+")"),
					&cli.StringFlag{Name: "id", Usage: "package id (default: random UUID)"},
					&cli.StringFlag{Name: "checksum", Value: "SHA-256", Usage: "MD5, SHA-1, SHA-256, SHA-384 or SHA-512"},
					&cli.StringFlag{Name: "org", Value: "Exempelby kommun", Usage: "municipality name"},
					&cli.StringFlag{Name: "org-id", Value: "2120000001", Usage: "municipality organisation number"},
					&cli.Uint64Flag{Name: "seed", Usage: "random seed (same seed, same bytes)"},
					&cli.StringFlag{Name: "class", Usage: "classification code (klass) of every case, e.g. 2.3.1"},
					&cli.StringFlag{Name: "arendetyp", Usage: "ärendetyp of every case"},
					&cli.StringFlag{Name: "handlingstyp", Usage: "handlingstyp of every document"},
					&cli.StringFlag{Name: "closed", Usage: "the date every case was closed, 2006-01-02"},
					schemaDirFlag(false),
				},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return exitErr(exitFailure, "sample generate: give one output folder")
					}
					var fam fgs.Family
					switch c.String("family") {
					case "fgs1":
						fam = fgs.FamilyFGS1
					case "eark":
						fam = fgs.FamilyEARK
					default:
						return exitErr(exitFailure, "--family must be fgs1 or eark, not %q", c.String("family"))
					}
					perFile := size(c, "size")
					if perFile <= 0 {
						return exitErr(exitFailure, "--size: want a positive size, e.g. 1KiB")
					}
					alg, ok := fixity.Parse(c.String("checksum"))
					if !ok {
						return exitErr(exitFailure, "--checksum %q is not supported", c.String("checksum"))
					}
					if c.Int("cases") < 1 || c.Int("files") < 1 {
						return exitErr(exitFailure, "--cases and --files must be at least 1")
					}
					if d := c.String("closed"); d != "" {
						if _, err := time.Parse(time.DateOnly, d); err != nil {
							return exitErr(exitFailure, "--closed %q: want a date, 2006-01-02", d)
						}
					}
					spec := samplegen.Spec{Family: fam, Cases: c.Int("cases"), Files: c.Int("files"), Size: int64(perFile), ID: c.String("id"),
						Checksum: alg, OrgName: c.String("org"), OrgID: c.String("org-id"), Seed: c.Uint64("seed"),
						Class: c.String("class"), CaseType: c.String("arendetyp"), DocType: c.String("handlingstyp"), Closed: c.String("closed")}
					if fam == fgs.FamilyEARK {
						if fsys, _, err := schemas.Open(globalString(c, "schema-dir")); err == nil {
							spec.Schemas = fsys
						}
					}
					dir, err := samplegen.Generate(c.Context, c.Args().First(), spec)
					if err != nil {
						return exitErr(exitFailure, "sample generate: %v", err)
					}
					fmt.Fprintln(stdout, dir)
					return nil
				},
			},
			{
				Name:      "defects",
				Usage:     "write the valid samples and one invalid sample per defect, with expected.json",
				ArgsUsage: "OUT",
				Flags:     []cli.Flag{schemaDirFlag(false)},
				Action: func(c *cli.Context) error {
					if c.NArg() != 1 {
						return exitErr(exitFailure, "sample defects: give one output folder")
					}
					fsys, _, err := schemas.Open(globalString(c, "schema-dir"))
					if err != nil {
						return exitErr(exitFailure, "%v", err)
					}
					exp, err := samplegen.Samples(c.Context, c.Args().First(), fsys)
					if err != nil {
						return exitErr(exitFailure, "sample defects: %v", err)
					}
					fmt.Fprintf(stdout, "wrote %d samples to %s\n", len(exp), c.Args().First())
					return nil
				},
			},
		},
	}
}
