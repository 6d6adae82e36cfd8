package ihp

import (
	"fmt"
	"strings"
)

// ImportError lists every problem found in a plan, not just the first, so
// the person who keeps the plan can fix them all in one round.
type ImportError struct {
	File     string
	Problems []Problem
}

// Problem is one thing wrong with a plan, named by row (the row a person
// sees in Excel, or the line of a YAML or JSON file) and column.
type Problem struct {
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Rule    string `json:"rule,omitempty"` // the rule's id, named in the text when Row is unknown
	Message string `json:"message"`
}

// String is the problem in Swedish: "rad 4, kolumn Gallringsfrist: ...".
func (p Problem) String() string {
	var where []string
	switch {
	case p.Row > 0:
		where = append(where, fmt.Sprintf("rad %d", p.Row))
	case p.Rule != "":
		where = append(where, "regel "+p.Rule)
	}
	if p.Column != "" {
		where = append(where, "kolumn "+p.Column)
	}
	if len(where) == 0 {
		return p.Message
	}
	return strings.Join(where, ", ") + ": " + p.Message
}

func (e *ImportError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	msg := strings.Join(parts, "; ")
	if len(parts) == 0 {
		msg = "okänt fel"
	}
	if e.File != "" {
		return e.File + ": " + msg
	}
	return msg
}

// problems collects what is wrong while a plan is read.
type problems []Problem

func (ps *problems) add(row int, col, rule, format string, args ...any) {
	*ps = append(*ps, Problem{Row: row, Column: col, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// err is the collected problems as an *ImportError, or nil when there are
// none.
func (ps problems) err(file string) error {
	if len(ps) == 0 {
		return nil
	}
	return &ImportError{File: file, Problems: ps}
}
