package tenant

import (
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestNewDefaults(t *testing.T) {
	tn, pw, err := New(Spec{ID: "sjostad", Name: "Sjöstads kommun", OrgNumber: "212000-0019", RetentionMode: "compliance",
		ReplicaEndpoint: "http://replica:9000"})
	if err != nil {
		t.Fatal(err)
	}
	if tn.Bucket != "earkiv-sjostad" || tn.Producer.User != "sjostad" || tn.OrgNumber != "2120000019" || tn.Retention.Mode != "COMPLIANCE" {
		t.Errorf("defaults: %+v", tn)
	}
	if tn.Replica == nil || tn.Replica.Bucket != "earkiv-sjostad-replica" || tn.Replica.Endpoint != "http://replica:9000" {
		t.Errorf("replica: %+v", tn.Replica)
	}
	if bcrypt.CompareHashAndPassword([]byte(tn.Producer.PasswordHash), []byte(pw)) != nil {
		t.Error("the password returned is not the one hashed")
	}
	if err := tn.Validate(); err != nil {
		t.Errorf("a tenant made from a good spec does not validate: %v", err)
	}
	own, _, err := New(Spec{ID: "alfa", Name: "A", OrgNumber: "2120000001", Bucket: "mine", ProducerUser: "alfa-diarium"})
	if err != nil || own.Bucket != "mine" || own.Producer.User != "alfa-diarium" || own.Replica != nil {
		t.Errorf("given values: %+v %v", own, err)
	}
}
