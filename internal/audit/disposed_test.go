package audit

import (
	"testing"

	"github.com/earkiv/earkiv/internal/aip"
)

func TestGallringKeys(t *testing.T) {
	const id = "7ed2612d-0f38-5a5f-9365-bd1acf86dfa7"
	for _, c := range []struct {
		key       string
		tombstone bool
		record    bool
	}{
		{aip.TombstoneKey(id, "GL-1"), true, true},
		{aip.DeletionLogKey(id, "GL-1"), false, true},
		{"gallring/GL-1/lista.json", false, true},
		{id + "/gallring/sub/x.json", false, true},
		{"not-a-uuid/gallring/GL-1.json", false, false},
		{id + "/submission/gallring/GL-1.json", false, false},
		{id + "/gallring/.json", false, true},
		{id + "/manifest.json", false, false},
	} {
		if _, ok := tombstoneAIP(c.key); ok != c.tombstone {
			t.Errorf("tombstoneAIP(%q) = %v", c.key, ok)
		}
		if ok := isGallringRecord(c.key); ok != c.record {
			t.Errorf("isGallringRecord(%q) = %v", c.key, ok)
		}
	}
	d := newDisposals()
	d.add(&aip.Tombstone{AIPID: id, List: "GL-1", Full: true, Keys: []string{id + "/a"}})
	d.add(&aip.Tombstone{AIPID: "other", List: "GL-2", Keys: []string{"other/b"}})
	for key, want := range map[string]string{id + "/a": "GL-1", id + "/events/x.xml": "GL-1", "other/b": "GL-2", "other/c": "", aip.TombstoneKey(id, "GL-1"): ""} {
		if got, _ := d.of(key); got != want {
			t.Errorf("of(%q) = %q, want %q", key, got, want)
		}
	}
}
