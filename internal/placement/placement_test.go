package placement

import (
	"testing"

	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/tenant"
)

func TestStores(t *testing.T) {
	s := NewStores(storage.Config{Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "b", Region: "us-east-1"})
	alfa := &tenant.Tenant{ID: "alfa", Bucket: "earkiv-alfa"}
	beta := &tenant.Tenant{ID: "beta", Bucket: "earkiv-beta", S3: tenant.S3{Endpoint: "http://127.0.0.1:2"},
		Replica: &tenant.Replica{Bucket: "beta-copy", S3: tenant.S3{Endpoint: "http://127.0.0.1:3"}}}
	a, err := s.Primary(alfa)
	if err != nil || a.Name != "earkiv-alfa" || a.Store.Endpoint() != "127.0.0.1:1" {
		t.Fatalf("alfa primary: %+v %v", a, err)
	}
	if _, ok, err := s.Replica(alfa); ok || err != nil {
		t.Fatalf("alfa has no replica: ok=%v err=%v", ok, err)
	}
	b, err := s.Primary(beta)
	if err != nil || b.Name != "earkiv-beta" || b.Store.Endpoint() != "127.0.0.1:2" {
		t.Fatalf("beta primary on its own endpoint: %+v %v", b, err)
	}
	r, ok, err := s.Replica(beta)
	if err != nil || !ok || r.Name != "beta-copy" || r.Store.Endpoint() != "127.0.0.1:3" {
		t.Fatalf("beta replica: %+v %v %v", r, ok, err)
	}
	if again, _ := s.Primary(alfa); again.Store != a.Store {
		t.Error("a second lookup made a new client")
	}
}
