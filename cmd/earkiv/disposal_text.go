package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/earkiv/earkiv/internal/plans"

	"github.com/earkiv/earkiv/internal/api"
	"github.com/earkiv/earkiv/internal/disposal"
)

// How a gallring list reads in Swedish on a terminal.

// printList writes a list as disposal show does, its ångerfrist counted
// from now.
func printList(l *api.ListResponse, now time.Time) error {
	fmt.Fprintf(stdout, "Gallringslista %s: %s\n", l.ID, l.State)
	fmt.Fprintf(stdout, "Urval:        %s\n", l.Filter)
	fmt.Fprintf(stdout, "Poster:       %d i %d AIP\n", l.Items, l.AIPs)
	fmt.Fprintf(stdout, "Föreslagen:   %s av %s\n", when(l.Proposed), l.Proposer)
	for _, r := range l.Rejections {
		fmt.Fprintf(stdout, "Återförvisad: %s av %s: %s\n", when(r.At), r.By, r.Text)
	}
	if l.Attestant != "" {
		fmt.Fprintf(stdout, "Attesterad:   %s av %s, ångerfrist %s\n", when(l.Attested), l.Attestant, l.CoolingOff)
	}
	if l.State == disposal.Attested {
		fmt.Fprintf(stdout, "Verkställs:   %s\n", coolingText(l.List, now))
	}
	if l.Cancel != nil {
		fmt.Fprintf(stdout, "Avbruten:     %s av %s: %s\n", when(l.Cancel.At), l.Cancel.By, l.Cancel.Text)
	}
	if !l.Started.IsZero() {
		fmt.Fprintf(stdout, "Startad:      %s\n", when(l.Started))
	}
	if l.State == disposal.Executing || l.State == disposal.Done {
		fmt.Fprintf(stdout, "Förlopp:      %s\n", progressText(l.List))
	}
	if !l.Finished.IsZero() {
		fmt.Fprintf(stdout, "Klar:         %s\n", when(l.Finished))
	}
	if l.Protocol != "" {
		fmt.Fprintf(stdout, "Protokoll:    AIP %s\n", l.Protocol)
	}
	if l.Error != "" {
		fmt.Fprintf(stdout, "Senaste fel:  %s (försöker igen)\n", l.Error)
	}
	if len(l.Exclusions) > 0 {
		fmt.Fprintln(stdout, "Undantag:")
		for _, x := range l.Exclusions {
			what := "bevaras"
			if x.Postpone != "" {
				what = "uppskjuten till " + x.Postpone
			}
			fmt.Fprintf(stdout, "  AIP %s %s: %s (%s, %s)\n", x.AIP, what, x.Reason, x.By, when(x.At))
		}
	}
	if len(l.Skipped) > 0 {
		fmt.Fprintln(stdout, "Inte gallrade vid verkställandet:")
		for _, s := range l.Skipped {
			fmt.Fprintf(stdout, "  %s: %s (AIP %s)\n", record(s.Case, s.Document), s.Reason, s.AIP)
		}
	}
	fmt.Fprintln(stdout)
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DIARIENUMMER\tHANDLING\tAIP\tREGEL\tGALLRINGSDATUM\tSTATUS")
	status := itemStatus(l.List)
	for _, it := range l.Entries {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Case, dash(it.Document), it.AIP, dash(it.Basis.Rule), it.Date, status(it))
	}
	return flush(w)
}

// itemStatus says of each item whether it is excluded, skipped or gone.
func itemStatus(l *disposal.List) func(disposal.Item) string {
	type rec struct{ aip, c, d string }
	skipped := map[rec]bool{}
	for _, s := range l.Skipped {
		skipped[rec{s.AIP, s.Case, s.Document}] = true
	}
	done := map[string]bool{}
	for _, d := range l.Done {
		done[d.AIP] = true
	}
	return func(it disposal.Item) string {
		switch x, ok := l.Excluded(it.AIP); {
		case ok && x.Postpone != "":
			return "uppskjuten"
		case ok:
			return "undantagen"
		case skipped[rec{it.AIP, it.Case, it.Document}]:
			return "inte gallrad"
		case done[it.AIP]:
			return "gallrad"
		}
		return "-"
	}
}

// coolingText says when an attested list may run: "kan verkställas från
// 2026-05-08 11:00, om 6 d 23 h", or now.
func coolingText(l *disposal.List, now time.Time) string {
	if l.State != disposal.Attested {
		return "är " + string(l.State)
	}
	left := l.CoolingLeft(now)
	if left <= 0 {
		return "kan verkställas nu"
	}
	return "kan verkställas från " + when(l.Executable) + ", om " + span(left)
}

// span is a time left, to the minute: "6 d 23 h", "5 h 12 min", "3 min".
func span(d time.Duration) string {
	d = d.Truncate(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%d d %d h", days, hours)
	case hours > 0:
		return fmt.Sprintf("%d h %d min", hours, mins)
	}
	return fmt.Sprintf("%d min", max(mins, 1))
}

// progressText is how far the executor has come: "12 av 40 AIP klara",
// the AIPs handled (disposed of or found no longer due) of those not
// excluded.
func progressText(l *disposal.List) string {
	handled := map[string]bool{}
	for _, d := range l.Done {
		handled[d.AIP] = true
	}
	for _, s := range l.Skipped {
		handled[s.AIP] = true
	}
	s := fmt.Sprintf("%d av %d AIP klara", len(handled), l.AIPs-len(l.Exclusions))
	if len(l.Skipped) > 0 {
		s += fmt.Sprintf(", %d poster inte gallrade", len(l.Skipped))
	}
	return s
}

func record(c, doc string) string {
	if doc != "" {
		return c + " " + doc
	}
	return c
}

func when(t time.Time) string { return plans.Moment(t) }

func flush(w *tabwriter.Writer) error {
	if err := w.Flush(); err != nil {
		return exitErr(exitFailure, "%v", err)
	}
	return nil
}
