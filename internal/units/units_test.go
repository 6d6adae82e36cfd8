package units

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		in     string
		want   Period
		length time.Duration
		str    string
	}{
		{"", Period{}, 0, "0s"},
		{"0", Clock(0), 0, "0s"},
		{"10y", Years(10), 3650 * day, "10y"},
		{"18m", Months(18), 540 * day, "18m"},
		{"90d", Days(90), 90 * day, "90d"},
		{" 90d ", Days(90), 90 * day, "90d"},
		{"24h", Clock(24 * time.Hour), 24 * time.Hour, "24h"},
		{"1h30m", Clock(90 * time.Minute), 90 * time.Minute, "1h30m"},
		{"30m0s", Clock(30 * time.Minute), 30 * time.Minute, "30m0s"},
		{"0s", Clock(0), 0, "0s"},
		{"20s", Clock(20 * time.Second), 20 * time.Second, "20s"},
		{"1.5h", Clock(90 * time.Minute), 90 * time.Minute, "1h30m"},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if err != nil {
			t.Errorf("ParsePeriod(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want || got.Duration() != tt.length || got.String() != tt.str {
			t.Errorf("ParsePeriod(%q) = %#v (%v, %q), want %#v (%v, %q)", tt.in, got, got.Duration(), got.String(), tt.want, tt.length, tt.str)
		}
		if back, err := ParsePeriod(got.String()); err != nil || back.Duration() != got.Duration() {
			t.Errorf("%q does not read back: %v %v", got.String(), back, err)
		}
	}
}

func TestParsePeriodErrors(t *testing.T) {
	for _, in := range []string{"10", "y", "10w", "-3d", "10 y", "forever", "1y6m", "90days"} {
		_, err := ParsePeriod(in)
		if err == nil {
			t.Errorf("ParsePeriod(%q) accepted", in)
			continue
		}
		if !strings.Contains(err.Error(), in) || !strings.Contains(err.Error(), "<n>y") {
			t.Errorf("ParsePeriod(%q): %v does not name the value and the forms", in, err)
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	leap := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		p    Period
		want time.Time
	}{
		{Years(10), time.Date(2034, 3, 1, 12, 0, 0, 0, time.UTC)},
		{Months(18), time.Date(2025, 8, 29, 12, 0, 0, 0, time.UTC)},
		{Days(1), time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)},
		{Clock(36 * time.Hour), time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		if got := tt.p.AddTo(leap); !got.Equal(tt.want) {
			t.Errorf("%v from %v = %v, want %v", tt.p, leap, got, tt.want)
		}
	}
	if !Years(1).Calendar() || Clock(time.Hour).Calendar() || !(Period{}).IsZero() || Days(1).IsZero() {
		t.Error("Calendar or IsZero wrong")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want Size
		str  string
	}{
		{"", 0, "0B"},
		{"0", 0, "0B"},
		{"1000", 1000, "1KB"},
		{"1500", 1500, "1500B"},
		{"1B", 1, "1B"},
		{"50KB", 50e3, "50KB"},
		{"200MB", 200e6, "200MB"},
		{"1GB", 1e9, "1GB"},
		{"2TB", 2e12, "2TB"},
		{"1KiB", 1 << 10, "1KiB"},
		{"20MiB", 20 << 20, "20MiB"},
		{"4GiB", 4 << 30, "4GiB"},
		{"1TiB", 1 << 40, "1TiB"},
		{"1.5GiB", 3 << 29, "1536MiB"},
		{"4 GiB", 4 << 30, "4GiB"},
		{" 8MB ", 8e6, "8MB"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseSize(%q) = %d %q %v, want %d %q", tt.in, got, got, err, tt.want, tt.str)
			continue
		}
		if back, err := ParseSize(got.String()); err != nil || back != got {
			t.Errorf("%q does not read back: %v %v", got.String(), back, err)
		}
	}
	for _, in := range []string{"abc", "4Gb", "4gib", "-1MB", "1MB/s", "10000000TiB", "4 G"} {
		_, err := ParseSize(in)
		if err == nil || !strings.Contains(err.Error(), in) {
			t.Errorf("ParseSize(%q): %v, want an error naming it", in, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in   string
		want Rate
		str  string
	}{
		{"", 0, "0B/s"},
		{"50MB/s", 50e6, "50MB/s"},
		{"200MB/s", 200e6, "200MB/s"},
		{"1.5GiB/s", 3 << 29, "1536MiB/s"},
		{"500KB/s", 500e3, "500KB/s"},
		{"20KB", 20e3, "20KB/s"},
		{"1 MiB/s", 1 << 20, "1MiB/s"},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if err != nil || got != tt.want || got.String() != tt.str {
			t.Errorf("ParseRate(%q) = %d %q %v, want %d %q", tt.in, got, got, err, tt.want, tt.str)
		}
	}
	for _, in := range []string{"fast", "50MB/h", "/s"} {
		_, err := ParseRate(in)
		if err == nil || !strings.Contains(err.Error(), "200MB/s") {
			t.Errorf("ParseRate(%q): %v, want an error with an example", in, err)
		}
	}
}

// TestFlagValues uses the types as the standard library's flags, as the
// command line does through cli.GenericFlag.
func TestFlagValues(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	p, s, r := Days(90), Size(1<<10), Rate(50e6)
	fs.Var(&p, "cycle", "")
	fs.Var(&s, "size", "")
	fs.Var(&r, "rate", "")
	if fs.Lookup("cycle").DefValue != "90d" || fs.Lookup("size").DefValue != "1KiB" || fs.Lookup("rate").DefValue != "50MB/s" {
		t.Errorf("defaults %q %q %q", fs.Lookup("cycle").DefValue, fs.Lookup("size").DefValue, fs.Lookup("rate").DefValue)
	}
	if err := fs.Parse([]string{"-cycle", "10y", "-size", "4GiB", "-rate", "1MB/s"}); err != nil {
		t.Fatal(err)
	}
	if p != Years(10) || s != 4<<30 || r != 1e6 {
		t.Errorf("parsed %v %v %v", p, s, r)
	}
	err := fs.Parse([]string{"-size", "lots"})
	if err == nil || !strings.Contains(err.Error(), "-size") || !strings.Contains(err.Error(), "GiB") {
		t.Errorf("bad size: %v", err)
	}
	if s != 4<<30 {
		t.Errorf("a bad value changed the flag: %v", s)
	}
}

func TestText(t *testing.T) {
	var p Period
	var s Size
	var r Rate
	if err := p.UnmarshalText([]byte("18m")); err != nil || p != Months(18) {
		t.Errorf("period %v %v", p, err)
	}
	if err := s.UnmarshalText([]byte("200MB")); err != nil || s != 200e6 {
		t.Errorf("size %v %v", s, err)
	}
	if err := r.UnmarshalText([]byte("2MB/s")); err != nil || r != 2e6 {
		t.Errorf("rate %v %v", r, err)
	}
	for _, m := range []interface{ MarshalText() ([]byte, error) }{p, s, r} {
		if b, err := m.MarshalText(); err != nil || len(b) == 0 {
			t.Errorf("MarshalText %v: %q %v", m, b, err)
		}
	}
}
