package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/apiclient"
	"github.com/earkiv/earkiv/internal/disposal"
)

// The gallring list commands: each checks its flags, makes one request
// (execute then follows the list) and says the outcome in Swedish.

// pollEvery is how often execute reads the list while serve carries it
// out.
var pollEvery = time.Second

// listIDRe is a list id as the server makes them: a UUID in lower case.
var listIDRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// listArg returns the command's one argument, a list id, with the flags
// that follow it set.
func listArg(c *cli.Context) (string, error) {
	args, err := wantArgs(c, 1)
	if err != nil {
		return "", err
	}
	if !listIDRe.MatchString(args[0]) {
		return "", exitErr(exitInvalid, "%s: %q is no list id: want the UUID disposal propose printed", commandName(c), args[0])
	}
	return args[0], nil
}

// required returns flag's value, trimmed, refusing it empty.
func required(c *cli.Context, flag, why string) (string, error) {
	v := strings.TrimSpace(c.String(flag))
	if v == "" {
		return "", exitErr(exitInvalid, "%s: --%s is required: %s", commandName(c), flag, why)
	}
	return v, nil
}

// dateFlag returns flag's value, a date or empty.
func dateFlag(c *cli.Context, flag string) (string, error) {
	v := strings.TrimSpace(c.String(flag))
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", exitErr(exitInvalid, "--%s %q: want a date, 2006-01-02", flag, v)
	}
	return v, nil
}

func commandName(c *cli.Context) string {
	return strings.TrimPrefix(c.Command.HelpName, c.App.Name+" ")
}

func disposalPropose(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	before, err := dateFlag(c, "before")
	if err != nil {
		return err
	}
	f := disposal.Filter{Class: strings.TrimSpace(c.String("class")), Rule: strings.TrimSpace(c.String("rule")),
		Creator: strings.TrimSpace(c.String("creator")), Before: before}
	cl, err := ownClient(c, "disposal propose")
	if err != nil {
		return err
	}
	l, err := cl.ProposeList(c.Context, f)
	if err != nil {
		return personErr("disposal propose", err)
	}
	if c.Bool("json") {
		return printJSON(l)
	}
	fmt.Fprintf(stdout, "Gallringslista föreslagen: %d poster i %d AIP (%s). Granska med earkiv disposal show %s; en arkivansvarig attesterar med earkiv disposal attest %s.\n",
		l.Items, l.AIPs, l.Filter, l.ID, l.ID)
	fmt.Fprintln(stdout, l.ID)
	return nil
}

func disposalLists(c *cli.Context) error {
	if _, err := wantArgs(c, 0); err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal list")
	if err != nil {
		return err
	}
	ls, err := cl.Lists(c.Context)
	if err != nil {
		return personErr("disposal list", err)
	}
	if c.Bool("json") {
		return printJSON(ls)
	}
	if len(ls) == 0 {
		fmt.Fprintln(stdout, "Inga gallringslistor.")
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tLÄGE\tPOSTER\tAIP\tFÖRESLAGEN\tAV\tURVAL")
	for _, l := range ls {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", l.ID, l.State, l.Items, l.AIPs, when(l.Proposed), l.Proposer, l.Filter)
	}
	return flush(w)
}

func disposalShow(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal show")
	if err != nil {
		return err
	}
	l, err := cl.List(c.Context, id)
	if err != nil {
		return personErr("disposal show", err)
	}
	if c.Bool("json") {
		return printJSON(l)
	}
	return printList(l, time.Now())
}

func disposalExclude(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	aipID, err := required(c, "aip", "which AIP's records to take out")
	if err != nil {
		return err
	}
	if !listIDRe.MatchString(aipID) {
		return exitErr(exitInvalid, "disposal exclude: --aip %q: want an AIP id, a UUID in lower case", aipID)
	}
	reason, err := required(c, "reason", "say why the records are not to be gallrade now")
	if err != nil {
		return err
	}
	postpone, err := dateFlag(c, "postpone")
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal exclude")
	if err != nil {
		return err
	}
	l, err := cl.ExcludeList(c.Context, id, api.ExcludeRequest{AIP: aipID, Reason: reason, Postpone: postpone})
	if err != nil {
		return personErr("disposal exclude", err)
	}
	what := "bevaras"
	if postpone != "" {
		what = "skjuts upp till " + postpone
	}
	fmt.Fprintf(stdout, "AIP %s undantagen ur listan %s och %s: %s\n", aipID, l.ID, what, reason)
	return nil
}

func disposalAttest(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal attest")
	if err != nil {
		return err
	}
	l, err := cl.AttestList(c.Context, id)
	if err != nil {
		return personErr("disposal attest", err)
	}
	fmt.Fprintf(stdout, "Listan %s är attesterad av %s (ångerfrist %s) och %s.\n", l.ID, l.Attestant, l.CoolingOff, coolingText(l, time.Now()))
	return nil
}

func disposalReject(c *cli.Context) error {
	return listComment(c, "reject", "say what is to change", (*apiclient.Client).RejectList, "återförvisad till förslagsställaren")
}

func disposalCancel(c *cli.Context) error {
	return listComment(c, "cancel", "say why the list is cancelled", (*apiclient.Client).CancelList, "avbruten")
}

// listComment runs a step that takes the list id and a reason.
func listComment(c *cli.Context, step, why string, call func(*apiclient.Client, context.Context, string, string) (*disposal.List, error), done string) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	reason, err := required(c, "reason", why)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal "+step)
	if err != nil {
		return err
	}
	l, err := call(cl, c.Context, id, reason)
	if err != nil {
		return personErr("disposal "+step, err)
	}
	fmt.Fprintf(stdout, "Listan %s är %s: %s\n", l.ID, done, reason)
	return nil
}

func disposalExecute(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal execute")
	if err != nil {
		return err
	}
	l, err := cl.ExecuteList(c.Context, id)
	if err != nil {
		return personErr("disposal execute", err)
	}
	if c.Bool("no-wait") || l.State == disposal.Done {
		fmt.Fprintf(stdout, "Listan %s %s; följ den med earkiv disposal show %s.\n", l.ID, l.State, l.ID)
		return nil
	}
	fmt.Fprintf(stdout, "Listan %s verkställs.\n", l.ID)
	return followList(c.Context, cl, id)
}

// followList reads list id every pollEvery, saying its progress and its
// last failure as they change, until it is verkställd. A failure is
// not the end: serve's executor tries again.
func followList(ctx context.Context, cl *apiclient.Client, id string) error {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	var said, failed string
	for {
		select {
		case <-ctx.Done():
			return exitErr(exitFailure, "disposal execute: %v; the list goes on in serve (earkiv disposal show %s)", ctx.Err(), id)
		case <-t.C:
		}
		l, err := cl.List(ctx, id)
		if err != nil {
			return personErr("disposal execute", err)
		}
		if l.Error != failed {
			if l.Error != "" {
				fmt.Fprintf(stdout, "Fel, försöker igen: %s\n", l.Error)
			}
			failed = l.Error
		}
		switch l.State {
		case disposal.Done:
			fmt.Fprintf(stdout, "Listan %s är verkställd: %s; protokollet är AIP %s.\n", l.ID, progressText(l.List), l.Protocol)
			return nil
		case disposal.Executing:
		default:
			return exitErr(exitInvalid, "disposal execute: listan %s är %s", l.ID, l.State)
		}
		if p := progressText(l.List); p != said {
			fmt.Fprintln(stdout, p)
			said = p
		}
	}
}

func disposalProtocol(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	out, err := required(c, "out", "the file to write the protocol to")
	if err != nil {
		return err
	}
	if out != "-" && !c.Bool("force") {
		if _, err := os.Lstat(out); err == nil {
			return exitErr(exitInvalid, "disposal protocol: %s exists; give --force to replace it", out)
		} else if !errors.Is(err, os.ErrNotExist) {
			return exitErr(exitFailure, "disposal protocol: %v", err)
		}
	}
	cl, err := ownClient(c, "disposal protocol")
	if err != nil {
		return err
	}
	pdf := !c.Bool("json")
	if out == "-" {
		if err := cl.Protocol(c.Context, id, pdf, stdout); err != nil {
			return personErr("disposal protocol", err)
		}
		return nil
	}
	if err := writeAtomic(out, func(w io.Writer) error { return cl.Protocol(c.Context, id, pdf, w) }); err != nil {
		return personErr("disposal protocol", err)
	}
	fmt.Fprintf(os.Stderr, "gallringsprotokollet för listan %s är skrivet till %s\n", id, out)
	return nil
}

// writeAtomic writes path through write, into a file beside it that
// takes its name only when complete: a protocol is never half there.
func writeAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

func disposalVerify(c *cli.Context) error {
	id, err := listArg(c)
	if err != nil {
		return err
	}
	cl, err := ownClient(c, "disposal verify")
	if err != nil {
		return err
	}
	v, err := cl.VerifyList(c.Context, id)
	if err != nil {
		return personErr("disposal verify", err)
	}
	if c.Bool("json") {
		if err := printJSON(v); err != nil {
			return err
		}
	} else if v.OK {
		fmt.Fprintf(stdout, "Listan %s stämmer: %d AIP gallrade som protokollet säger, %d AIP finns kvar som de ska.\n", v.List, v.Disposed, v.Kept)
	} else {
		fmt.Fprintf(stdout, "Listan %s stämmer inte: %d fel.\n", v.List, len(v.Problems))
		for _, p := range v.Problems {
			fmt.Fprintln(stdout, "  "+p)
		}
	}
	if !v.OK {
		return exitErr(exitInvalid, "disposal verify: list %s: %d problems", v.List, len(v.Problems))
	}
	return nil
}
