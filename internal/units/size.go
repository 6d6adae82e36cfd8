package units

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Size is a number of bytes, written with a decimal (KB, MB, GB, TB) or
// binary (KiB, MiB, GiB, TiB) unit, or B or none for bytes.
type Size int64

// Rate is bytes per second, written as a Size with an optional "/s".
type Rate int64

// SizeForms names what ParseSize accepts, for error messages and usage.
const SizeForms = "a number of bytes with B, KB, MB, GB, TB, KiB, MiB, GiB or TiB, e.g. 4GiB or 200MB"

var sizeRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([KMGT]i?B|B)?$`)

// units from the largest down, so String picks the largest that divides.
var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"TiB", 1 << 40}, {"TB", 1e12}, {"GiB", 1 << 30}, {"GB", 1e9},
	{"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3}, {"B", 1},
}

func multiplier(suffix string) int64 {
	for _, u := range sizeUnits {
		if u.suffix == suffix {
			return u.mult
		}
	}
	return 1
}

// ParseSize reads "4GiB", "200MB", "1.5GiB", "1000". The empty string is 0,
// so an unset flag means none; a fraction of a byte is dropped.
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	m := sizeRe.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("size %q: want %s", s, SizeForms)
	}
	mult := multiplier(m[2])
	if !strings.Contains(m[1], ".") {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > math.MaxInt64/mult {
			return 0, fmt.Errorf("size %q: too large", s)
		}
		return Size(n * mult), nil
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil || f*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("size %q: too large", s)
	}
	return Size(f * float64(mult)), nil
}

// String writes the size in the largest unit that holds it exactly, so
// ParseSize reads it back: "4GiB", "200MB", "1500B".
func (n Size) String() string {
	if n == 0 {
		return "0B"
	}
	for _, u := range sizeUnits {
		if int64(n)%u.mult == 0 {
			return strconv.FormatInt(int64(n)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(n), 10) + "B"
}

// Set parses s into n, so a *Size is a flag.Value and a cli.Generic.
func (n *Size) Set(s string) error {
	v, err := ParseSize(s)
	if err != nil {
		return err
	}
	*n = v
	return nil
}

// MarshalText writes the size as String does.
func (n Size) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText lets a Size be a field of a YAML or JSON record.
func (n *Size) UnmarshalText(b []byte) error { return n.Set(string(b)) }

// RateForms names what ParseRate accepts, for error messages and usage.
const RateForms = "a size per second, e.g. 200MB/s, 1.5GiB/s or 500KB"

// ParseRate reads "200MB/s", "1.5GiB/s", "500KB". The empty string is 0,
// which callers take as no limit.
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	n, err := ParseSize(t)
	if err != nil || (t == "" && strings.TrimSpace(s) != "") {
		return 0, fmt.Errorf("rate %q: want %s", s, RateForms)
	}
	return Rate(n), nil
}

// String writes the rate as "50MB/s".
func (r Rate) String() string { return Size(r).String() + "/s" }

// Set parses s into r, so a *Rate is a flag.Value and a cli.Generic.
func (r *Rate) Set(s string) error {
	v, err := ParseRate(s)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalText writes the rate as String does.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText lets a Rate be a field of a YAML or JSON record.
func (r *Rate) UnmarshalText(b []byte) error { return r.Set(string(b)) }
