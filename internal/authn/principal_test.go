package authn

import (
	"net/http/httptest"
	"testing"
)

func TestClientAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:40000":     "192.0.2.7",
		"[2001:db8::1]:40000": "2001:db8::1",
		"192.0.2.7":           "192.0.2.7", // no port: as given
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = in
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		if got := ClientAddr(r); got != want {
			t.Errorf("ClientAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
