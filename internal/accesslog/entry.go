package accesslog

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/earkiv/earkiv/internal/ids"
)

// Action is what a person did.
type Action string

// The actions logged. Changes name what changed; the object ids say which.
const (
	Login          Action = "login"
	LoginFailed    Action = "login.failed"
	Logout         Action = "logout"
	Search         Action = "search" // Entry.Query holds the query
	ViewCase       Action = "view.case"
	ViewDocument   Action = "view.document"
	Download       Action = "download"
	Export         Action = "export"
	VerifyLog      Action = "verify.accesslog" // a verification of this log
	ChangePerson   Action = "change.person"
	ChangePlan     Action = "change.plan"     // informationshanteringsplan
	ChangeHold     Action = "change.hold"     // gallringsstopp
	ChangeDisposal Action = "change.disposal" // gallringslista
	ChangeRelease  Action = "change.release"  // utlämnandeärende
)

var actions = map[Action]bool{Login: true, LoginFailed: true, Logout: true, Search: true, ViewCase: true, ViewDocument: true,
	Download: true, Export: true, VerifyLog: true, ChangePerson: true, ChangePlan: true, ChangeHold: true, ChangeDisposal: true, ChangeRelease: true}

// Valid tells whether a is one of the actions logged.
func (a Action) Valid() bool { return actions[a] }

// Entry is one access log entry. It names records by id only, never by
// title or name, so the log holds no personal data from the records.
// The field order is the canonical encoding: changing it breaks every
// stored hash.
type Entry struct {
	N       uint64    `json:"n"`
	Time    time.Time `json:"time"` // UTC
	Tenant  string    `json:"tenant"`
	Person  string    `json:"person"`
	Role    string    `json:"role,omitempty"`
	Action  Action    `json:"action"`
	Objects []string  `json:"objects,omitempty"` // ids of cases, documents, people, lists
	Query   string    `json:"query,omitempty"`   // a search's query
	Reason  string    `json:"reason,omitempty"`  // where one is asked
	Detail  string    `json:"detail,omitempty"`  // what a change did, e.g. the roles given; never record content
	Client  string    `json:"client,omitempty"`  // client address
	Prev    tlog.Hash `json:"prev"`
	Hash    tlog.Hash `json:"hash"`
}

// check refuses an entry that cannot be logged as given.
func (e *Entry) check() error {
	if err := ids.Tenant(e.Tenant); err != nil {
		return fmt.Errorf("access log entry: %w", err)
	}
	if e.Person == "" {
		return errors.New("access log entry: no person")
	}
	if !e.Action.Valid() {
		return fmt.Errorf("access log entry: unknown action %q", e.Action)
	}
	return nil
}

// hashSuffixLen is the length of `,"hash":"<44 base64>"}` ending every
// stored entry.
const hashSuffixLen = len(`,"hash":""}`) + 44

// encode sets e.Hash from e's body and returns the stored form.
func (e *Entry) encode() ([]byte, error) {
	e.Hash = tlog.Hash{}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode access log entry: %w", err)
	}
	body, ok := bodyOf(b)
	if !ok {
		return nil, fmt.Errorf("encode access log entry: unexpected form %q", b)
	}
	e.Hash = tlog.RecordHash(body)
	h, _ := e.Hash.MarshalJSON()
	out := append(b[:len(b)-hashSuffixLen], `,"hash":`...)
	return append(append(out, h...), '}'), nil
}

// bodyOf is the body a stored entry's hash covers: the entry without its
// hash field.
func bodyOf(stored []byte) ([]byte, bool) {
	if len(stored) < hashSuffixLen+2 || !bytes.HasPrefix(stored[len(stored)-hashSuffixLen:], []byte(`,"hash":"`)) ||
		!bytes.HasSuffix(stored, []byte(`"}`)) {
		return nil, false
	}
	body := make([]byte, 0, len(stored)-hashSuffixLen+1)
	return append(append(body, stored[:len(stored)-hashSuffixLen]...), '}'), true
}

// decode reads a stored entry; ok is false when its hash does not match its
// body.
func decode(stored []byte) (e Entry, ok bool, err error) {
	if err := json.Unmarshal(stored, &e); err != nil {
		return Entry{}, false, fmt.Errorf("unreadable entry: %w", err)
	}
	return e, hashOK(stored, e.Hash), nil
}

// link is what verifying a chain reads of an entry.
type link struct {
	N      uint64    `json:"n"`
	Tenant string    `json:"tenant"`
	Prev   tlog.Hash `json:"prev"`
	Hash   tlog.Hash `json:"hash"`
}

// decodeLink reads a stored entry's chain fields; ok is as for decode.
func decodeLink(stored []byte) (l link, ok bool, err error) {
	if err := json.Unmarshal(stored, &l); err != nil {
		return link{}, false, fmt.Errorf("unreadable entry: %w", err)
	}
	return l, hashOK(stored, l.Hash), nil
}

// hashOK tells whether want is the hash of stored's body. It is
// tlog.RecordHash(body), written out to hash the body in place.
func hashOK(stored []byte, want tlog.Hash) bool {
	if len(stored) < hashSuffixLen+2 || !bytes.HasPrefix(stored[len(stored)-hashSuffixLen:], []byte(`,"hash":"`)) ||
		!bytes.HasSuffix(stored, []byte(`"}`)) {
		return false
	}
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(stored[:len(stored)-hashSuffixLen])
	h.Write([]byte{'}'})
	var got tlog.Hash
	h.Sum(got[:0])
	return got == want
}

// CSVHeader names the columns of CSVRecord, for exports.
var CSVHeader = []string{"n", "time", "tenant", "person", "role", "action", "objects", "query", "reason", "detail", "client", "prev", "hash"}

// CSVRecord is e as a row under CSVHeader; objects are separated by spaces.
func (e Entry) CSVRecord() []string {
	return []string{strconv.FormatUint(e.N, 10), e.Time.Format(time.RFC3339Nano), e.Tenant, e.Person, e.Role, string(e.Action),
		strings.Join(e.Objects, " "), e.Query, e.Reason, e.Detail, e.Client, e.Prev.String(), e.Hash.String()}
}

// TypedPerson is what a failed login logs as its person: the id typed,
// if it is a person id, else "(ogiltigt id)". What was typed is not kept
// otherwise: it may be a password typed in the wrong field, and the log
// is never erased.
func TypedPerson(s string) string {
	if ids.Person(s) != nil {
		return "(ogiltigt id)"
	}
	return s
}
