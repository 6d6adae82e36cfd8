package web

import (
	"testing"
	"time"
)

func TestDateTime(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 18, 50, 0, 0, time.UTC), "4 december 2026 kl.\u00a019.50"}, // winter: UTC+1
		{time.Date(2026, 7, 1, 6, 5, 0, 0, time.UTC), "1 juli 2026 kl.\u00a008.05"},        // summer: UTC+2
		{time.Date(2027, 1, 1, 23, 30, 0, 0, time.UTC), "2 januari 2027 kl.\u00a000.30"},   // the day changes
		{time.Time{}, "–"},
	} {
		if got := DateTime(tc.in); got != tc.want {
			t.Errorf("DateTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRecordDate(t *testing.T) {
	for in, want := range map[string]string{
		"2020-05-20":           "20 maj 2020",
		"2020-05-20T00:00:00":  "20 maj 2020",
		"2020-03-02T14:07:00":  "2 mars 2020 kl.\u00a014.07",
		"2026-12-04T18:50:00Z": "4 december 2026 kl.\u00a019.50",
		"":                     "–",
		"våren 1923":           "våren 1923",
	} {
		if got := RecordDate(in); got != want {
			t.Errorf("RecordDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 varningar"}, {1, "1 varning"}, {2, "2 varningar"}, {1200, "1\u00a0200 varningar"}} {
		if got := Count(tc.n, "varning", "varningar"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Number(0), "0"},
		{Number(999), "999"},
		{Number(1000), "1\u00a0000"},
		{Number(1234567), "1\u00a0234\u00a0567"},
		{Number(-12345), "−12\u00a0345"},
		{Decimal(1234.5, 1), "1\u00a0234,5"},
		{Decimal(0.25, 2), "0,25"},
		{Decimal(-3.14159, 2), "−3,14"},
		{Decimal(-0.001, 1), "0,0"},
		{Decimal(7, 0), "7"},
		{Bytes(512), "512\u00a0byte"},
		{Bytes(1500), "1,5\u00a0kB"},
		{Bytes(12_345_678), "12,3\u00a0MB"},
		{Bytes(999_999), "1,0\u00a0MB"},
		{Bytes(3_000_000_000_000), "3,0\u00a0TB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
