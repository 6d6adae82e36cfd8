package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/ihp"
	"github.com/earkiv/earkiv/internal/plans"
	"github.com/earkiv/earkiv/internal/retention"
)

func planCommand() *cli.Command {
	return &cli.Command{
		Name:  "plan",
		Usage: "the informationshanteringsplan, as a person: import an utkast, compare, preview and fastställ versions",
		Subcommands: []*cli.Command{{
			Name:      "import",
			Usage:     "import a plan file (CSV, XLSX, YAML or JSON) as a new utkast; its version id is the last line",
			ArgsUsage: "FILE",
			Flags:     personFlags(),
			Action:    planImport,
		}, {
			Name:      "activate",
			Usage:     "fastställ an utkast (arkivansvarig); the version before it ends where it begins",
			ArgsUsage: "VERSION",
			Flags:     personFlags(&cli.StringFlag{Name: "from", Usage: "the day it is valid from, 2006-01-02 (default: today)"}),
			Action:    planActivate,
		}, {
			Name:   "show",
			Usage:  "list the plan's versions and the rules of the one in force",
			Flags:  personFlags(jsonFlag("the versions and the one in force as a JSON object")),
			Action: planShow,
		}, {
			Name:      "diff",
			Usage:     "list the rules added, changed and removed from V1 to V2",
			ArgsUsage: "V1 V2",
			Flags:     personFlags(jsonFlag("the changes as a JSON array")),
			Action:    planDiff,
		}, {
			Name:      "preview",
			Usage:     "list the archived records whose outcome would change if VERSION governed today",
			ArgsUsage: "VERSION",
			Flags:     personFlags(jsonFlag("the preview as a JSON object")),
			Action:    planPreview,
		}},
	}
}

func planImport(c *cli.Context) error {
	args, err := wantArgs(c, 1)
	if err != nil {
		return err
	}
	file := args[0]
	fi, err := os.Stat(file)
	if err != nil {
		return exitErr(exitFailure, "plan import: %v", err)
	}
	if fi.Size() > plans.MaxSource {
		return exitErr(exitInvalid, "plan import: %s is %d KiB; a plan file may be at most %d KiB", file, fi.Size()>>10, plans.MaxSource>>10)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return exitErr(exitFailure, "plan import: %v", err)
	}
	cl, err := ownClient(c, "plan import")
	if err != nil {
		return err
	}
	v, err := cl.PlanImport(c.Context, filepath.Base(file), data)
	if err != nil {
		return personErr("plan import "+file, err)
	}
	fmt.Fprintf(stdout, "Utkast %s importerat från %s: %d regler. Granska med earkiv plan preview %s, fastställ med earkiv plan activate %s.\n",
		v.ID, v.Source, len(v.Rules), v.ID, v.ID)
	fmt.Fprintln(stdout, v.ID)
	return nil
}

func planActivate(c *cli.Context) error {
	args, err := wantArgs(c, 1)
	if err != nil {
		return err
	}
	from := c.String("from")
	if from != "" {
		if _, err := time.Parse(time.DateOnly, from); err != nil {
			return exitErr(exitInvalid, "--from %q: want a date, 2006-01-02", from)
		}
	}
	cl, err := ownClient(c, "plan activate")
	if err != nil {
		return err
	}
	v, err := cl.PlanActivate(c.Context, args[0], from)
	if err != nil {
		return personErr("plan activate", err)
	}
	fmt.Fprintf(stdout, "%s är fastställd av %s och gäller från %s.\n", v.ID, v.ActivatedBy, v.ValidFrom)
	return nil
}

func planShow(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	cl, err := ownClient(c, "plan show")
	if err != nil {
		return err
	}
	p, err := cl.PlanShow(c.Context)
	if err != nil {
		return personErr("plan show", err)
	}
	if c.Bool("json") {
		return printJSON(p)
	}
	if len(p.Versions) == 0 {
		fmt.Fprintln(stdout, "Ingen plan är importerad: alla handlingar bevaras och granskas.")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSTATUS\tGILTIG FRÅN\tUPPHÖR\tREGLER\tKÄLLA\tIMPORTERAD AV\t")
	var inForce *plans.Version
	for _, v := range p.Versions {
		mark := ""
		if v.ID == p.InForce {
			inForce, mark = v, "gäller nu"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", v.ID, v.State, dash(v.ValidFrom), dash(v.EndedOn), len(v.Rules), dash(v.Source), v.CreatedBy, mark)
	}
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	if inForce == nil {
		fmt.Fprintln(stdout, "\nIngen version gäller i dag: alla handlingar bevaras och granskas.")
		return nil
	}
	fmt.Fprintf(stdout, "\nRegler i %s, som gäller sedan %s:\n", inForce.ID, inForce.ValidFrom)
	return printRules(inForce.Rules)
}

// printRules writes rules as a table.
func printRules(rs ihp.Rules) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "REGEL\tKLASS\tÄRENDETYP\tHANDLINGSTYP\tÅTGÄRD\tFRIST\tRÄKNAS FRÅN\tBESLUT")
	for _, r := range rs {
		id := r.ID
		if r.Exception {
			id += " (undantag)"
		}
		frist, from := "", ""
		if r.Action == ihp.Gallras {
			frist, from = r.Frist.String(), string(r.From)
			if from == "" {
				from = string(ihp.CaseClosed)
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, dash(r.Class), dash(r.CaseType), dash(r.DocType), r.Action, dash(frist), dash(from), dash(r.Decision))
	}
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}

func planDiff(c *cli.Context) error {
	args, err := wantArgs(c, 2)
	if err != nil {
		return err
	}
	a, b := args[0], args[1]
	cl, err := ownClient(c, "plan diff")
	if err != nil {
		return err
	}
	d, err := cl.PlanDiff(c.Context, a, b)
	if err != nil {
		return personErr("plan diff", err)
	}
	if c.Bool("json") {
		return printJSON(d)
	}
	if len(d) == 0 {
		fmt.Fprintf(stdout, "Inga skillnader i reglerna mellan %s och %s.\n", a, b)
		return nil
	}
	for _, ch := range d {
		fmt.Fprintln(stdout, ruleChangeText(ch))
	}
	return nil
}

// ruleChangeText is one change in Swedish: "ny regel 2.4", "ändrad 2.3.1:
// Gallringsfrist, Beslut", "borttagen 1.9".
func ruleChangeText(ch ihp.RuleChange) string {
	switch ch.Kind {
	case ihp.Added:
		return "ny regel " + ch.Rule
	case ihp.Changed:
		return "ändrad " + ch.Rule + ": " + strings.Join(ch.Fields, ", ")
	}
	return ch.Kind + " " + ch.Rule
}

func planPreview(c *cli.Context) error {
	args, err := wantArgs(c, 1)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "plan preview")
	if err != nil {
		return err
	}
	p, err := cl.PlanPreview(c.Context, args[0])
	if err != nil {
		return personErr("plan preview", err)
	}
	if c.Bool("json") {
		return printJSON(p)
	}
	printPreview(p)
	return nil
}

func printPreview(p *retention.Preview) {
	if len(p.Changes) == 0 {
		fmt.Fprintf(stdout, "%s ändrar inget: %d ärenden och handlingar får samma utfall.\n", p.Plan, p.Records)
		return
	}
	fmt.Fprintf(stdout, "%s ändrar utfallet för %d av %d ärenden och handlingar:\n", p.Plan, len(p.Changes), p.Records)
	locked := map[[3]string]bool{}
	for _, l := range p.Locked {
		locked[[3]string{l.AIP, l.Case, l.Document}] = true
	}
	// One case may be in several AIPs (delivered in parts): then the AIP
	// tells its rows apart.
	aips := map[string]bool{}
	for _, ch := range p.Changes {
		aips[ch.AIP] = true
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	head := "ÄRENDE\tHANDLING\tNU\t\tMED " + p.Plan + "\t"
	if len(aips) > 1 {
		head += "\tAIP"
	}
	fmt.Fprintln(w, head)
	for _, ch := range p.Changes {
		line := fmt.Sprintf("%s\t%s\t%s\t->\t%s\t", ch.Case, dash(ch.Document), ch.Old.Text(), ch.New.Text())
		if locked[[3]string{ch.AIP, ch.Case, ch.Document}] {
			line += "kan inte kortas (COMPLIANCE)"
		}
		if len(aips) > 1 {
			line += "\t" + ch.AIP
		}
		fmt.Fprintln(w, line)
	}
	_ = w.Flush() // stdout; as Fprintln above
	if len(p.Locked) > 0 {
		fmt.Fprintf(stdout, "%d ändringar till ett tidigare datum hindras av COMPLIANCE-låset och får inte verkan i lagringen.\n", len(p.Locked))
	}
}
