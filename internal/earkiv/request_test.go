package earkiv

import (
	"errors"
	"strings"
	"testing"

	"github.com/earkiv/earkiv/internal/ids"
)

func TestRequestCheck(t *testing.T) {
	const id = "0190f0c8-0000-7000-8000-000000000001"
	good := func() Request {
		return Request{SubmissionID: id, Object: id, Name: "leverans.zip", Format: "zip", Size: 10,
			Digest: "SHA-256=" + strings.Repeat("A", 43) + "=", Sums: map[string]string{"METS.xml": strings.Repeat("a", 64)}}
	}
	for _, c := range []struct {
		name string
		edit func(*Request)
		ok   bool
	}{
		{"good", func(*Request) {}, true},
		{"no digest", func(r *Request) { r.Digest = "" }, true},
		{"traversal id", func(r *Request) { r.SubmissionID, r.Object = "../x", "../x" }, false},
		{"object elsewhere", func(r *Request) { r.Object = "0190f0c8-0000-7000-8000-000000000002" }, false},
		{"format", func(r *Request) { r.Format = "rar" }, false},
		{"negative size", func(r *Request) { r.Size = -1 }, false},
		{"digest", func(r *Request) { r.Digest = "md5=x" }, false},
		{"long producer", func(r *Request) { r.Producer = strings.Repeat("p", ids.MaxUser+1) }, false},
		{"sum not hex", func(r *Request) { r.Sums["METS.xml"] = strings.Repeat("A", 64) }, false},
		{"sum no name", func(r *Request) { r.Sums[""] = strings.Repeat("a", 64) }, false},
		{"too many sums", func(r *Request) {
			for i := range MaxRequestSums + 1 {
				r.Sums[strings.Repeat("x", i+1)] = strings.Repeat("a", 64)
			}
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := good()
			c.edit(&r)
			err := r.Check()
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, ids.ErrInvalid) {
				t.Fatalf("got %v, want ids.ErrInvalid", err)
			}
		})
	}
}

func TestReceiptOK(t *testing.T) {
	for s, want := range map[Status]bool{Accepted: true, Duplicate: true, Rejected: false, Failed: false} {
		if got := (&Receipt{Status: s}).OK(); got != want {
			t.Errorf("%s: OK() = %v", s, got)
		}
	}
}
