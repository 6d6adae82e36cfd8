// Package report holds the result of validating a package: one finding per rule
// outcome, with a stable rule id, and its text and JSON renderings (the JSON follows
// the commons-ip validator report's shape: rule id, level, outcome, location, message).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Level is the requirement level of a rule, as in the E-ARK profiles.
type Level string

const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	MAY    Level = "MAY"
)

// Severity says what a finding means for the verdict: an error makes the package
// invalid, a warning does not, info records that an optional element is absent.
func (l Level) Severity() string {
	switch l {
	case MUST:
		return "ERROR"
	case SHOULD:
		return "WARNING"
	default:
		return "INFO"
	}
}

// Location points at where a finding was made.
type Location struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Path string `json:"path,omitempty"` // element path or METS id
}

func (l Location) String() string {
	s := l.File
	if l.Line > 0 {
		s += fmt.Sprintf(":%d", l.Line)
	}
	if l.Path != "" {
		if s != "" {
			s += " "
		}
		s += l.Path
	}
	return s
}

// Finding is one failed rule check.
type Finding struct {
	RuleID   string   `json:"ruleId"`
	Level    Level    `json:"level"`
	Severity string   `json:"severity"`
	Outcome  string   `json:"outcome"`
	Location Location `json:"location"`
	Message  string   `json:"message"`
}

// Report is the complete result for one package.
type Report struct {
	Package   string     `json:"package"`
	Name      string     `json:"name,omitempty"`
	ObjID     string     `json:"objid,omitempty"`
	Family    string     `json:"family,omitempty"`
	Profile   string     `json:"profile,omitempty"`
	Valid     bool       `json:"valid"`
	Files     int        `json:"files"`
	Bytes     int64      `json:"bytes"`
	Started   time.Time  `json:"started"`
	Duration  string     `json:"duration"`
	Errors    int        `json:"errors"`
	Warnings  int        `json:"warnings"`
	Infos     int        `json:"infos"`
	Findings  []Finding  `json:"findings"`
	Checksums []Checksum `json:"checksums,omitempty"`
}

// Checksum is a digest computed for a file during validation.
type Checksum struct {
	File   string            `json:"file"`
	Size   int64             `json:"size"`
	Digest map[string]string `json:"digest"`
}

// Add records a finding.
func (r *Report) Add(rule string, lvl Level, loc Location, format string, args ...any) {
	r.Findings = append(r.Findings, Finding{
		RuleID: rule, Level: lvl, Severity: lvl.Severity(), Outcome: "FAILED",
		Location: loc, Message: fmt.Sprintf(format, args...),
	})
}

// Finish sorts findings and sets the counts and the verdict.
func (r *Report) Finish() {
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if rank(a.Level) != rank(b.Level) {
			return rank(a.Level) < rank(b.Level)
		}
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		return a.Location.Line < b.Location.Line
	})
	r.Errors, r.Warnings, r.Infos = 0, 0, 0
	for _, f := range r.Findings {
		switch f.Level {
		case MUST:
			r.Errors++
		case SHOULD:
			r.Warnings++
		default:
			r.Infos++
		}
	}
	r.Valid = r.Errors == 0
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
}

func rank(l Level) int {
	switch l {
	case MUST:
		return 0
	case SHOULD:
		return 1
	}
	return 2
}

// Has tells whether a finding with this rule id was made.
func (r *Report) Has(rule string) bool {
	for _, f := range r.Findings {
		if f.RuleID == rule {
			return true
		}
	}
	return false
}

// RuleIDs lists the distinct rule ids of findings at or above lvl.
func (r *Report) RuleIDs(lvl Level) []string {
	seen := map[string]bool{}
	var ids []string
	for _, f := range r.Findings {
		if rank(f.Level) <= rank(lvl) && !seen[f.RuleID] {
			seen[f.RuleID] = true
			ids = append(ids, f.RuleID)
		}
	}
	sort.Strings(ids)
	return ids
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes a report for people: the verdict first, then one line a finding.
func (r *Report) WriteText(w io.Writer, verbose bool) error {
	var b strings.Builder
	verdict := "VALID"
	if !r.Valid {
		verdict = "INVALID"
	}
	fmt.Fprintf(&b, "%s: %s\n", r.Package, verdict)
	if r.Family != "" {
		fmt.Fprintf(&b, "  family %s, profile %s\n", r.Family, r.Profile)
	}
	if r.ObjID != "" {
		fmt.Fprintf(&b, "  package id %s\n", r.ObjID)
	}
	fmt.Fprintf(&b, "  %d files, %d bytes, checked in %s\n", r.Files, r.Bytes, r.Duration)
	fmt.Fprintf(&b, "  %d errors, %d warnings, %d notes\n", r.Errors, r.Warnings, r.Infos)
	for _, f := range r.Findings {
		if f.Level == MAY && !verbose {
			continue
		}
		loc := f.Location.String()
		if loc != "" {
			loc = " [" + loc + "]"
		}
		fmt.Fprintf(&b, "  %-7s %-14s %s%s\n", f.Severity, f.RuleID, f.Message, loc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
