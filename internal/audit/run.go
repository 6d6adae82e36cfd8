package audit

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Run is the on-disk state of one audit, so an interrupted audit resumes
// where it stopped: a header line with the parameters, then one line per
// object checked. Lines are appended and synced in batches; a torn last line
// after a crash is ignored (that object is simply checked again).
type Run struct {
	Header
	path string
	mu   sync.Mutex
	f    *os.File
	w    *bufio.Writer
	done map[string]Finding
	n    int
}

// Header describes a run.
type Header struct {
	ID       string            `json:"id"`
	Started  time.Time         `json:"started"`
	Seed     uint64            `json:"seed"`
	Params   map[string]string `json:"params"`
	Finished *time.Time        `json:"finished,omitempty"`
}

// NewRun starts a run in dir.
func NewRun(dir string, params map[string]string) (*Run, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("audit state: %w", err)
	}
	id := uuid.Must(uuid.NewV7()).String()
	h := Header{ID: id, Started: time.Now().UTC(), Seed: uint64(time.Now().UnixNano()), Params: params}
	r := &Run{Header: h, path: filepath.Join(dir, id+".jsonl"), done: map[string]Finding{}}
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit state: %w", err)
	}
	r.f, r.w = f, bufio.NewWriter(f)
	b, _ := json.Marshal(h)
	r.w.Write(append(b, '\n'))
	if err := r.sync(); err != nil {
		return nil, err
	}
	return r, nil
}

// OpenRun reopens a run to resume it (or to read its findings).
func OpenRun(dir, id string) (*Run, error) {
	if strings.ContainsAny(id, `/\`) || id == "" {
		return nil, fmt.Errorf("audit run %q: not a run id", id)
	}
	p := filepath.Join(dir, id+".jsonl")
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("audit run %s: %w", id, err)
	}
	lines := strings.Split(string(b), "\n")
	r := &Run{path: p, done: map[string]Finding{}}
	if err := json.Unmarshal([]byte(lines[0]), &r.Header); err != nil {
		return nil, fmt.Errorf("audit run %s: header: %w", id, err)
	}
	for _, l := range lines[1:] {
		var fin struct {
			Finished *time.Time `json:"finished"`
		}
		if json.Unmarshal([]byte(l), &fin) == nil && fin.Finished != nil {
			r.Finished = fin.Finished
			continue
		}
		var f Finding
		if l == "" || json.Unmarshal([]byte(l), &f) != nil || f.Key == "" {
			continue // the torn last line of a crash
		}
		r.done[f.Tenant+"/"+f.Key] = f
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit run %s: %w", id, err)
	}
	// Drop a torn tail so appended lines start clean.
	if len(b) > 0 && b[len(b)-1] != '\n' {
		if _, err := f.Write([]byte("\n")); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("audit run %s: %w", id, err)
		}
	}
	r.f, r.w = f, bufio.NewWriter(f)
	return r, nil
}

// LatestRun returns the id of the most recent run in dir.
func LatestRun(dir string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("audit runs: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".jsonl") {
			ids = append(ids, strings.TrimSuffix(e.Name(), ".jsonl"))
		}
	}
	if len(ids) == 0 {
		return "", errors.New("no audit runs yet")
	}
	sort.Strings(ids) // UUIDv7: time order
	return ids[len(ids)-1], nil
}

// Done reports whether key of tenant was checked in this run already.
func (r *Run) Done(tenant, key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.done[tenant+"/"+key]
	return ok
}

// Record appends a finding.
func (r *Run) Record(f Finding) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done[f.Tenant+"/"+f.Key] = f
	b, _ := json.Marshal(f)
	r.w.Write(append(b, '\n'))
	r.n++
	if r.n%256 == 0 {
		return r.sync()
	}
	return nil
}

func (r *Run) sync() error {
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("audit state: %w", err)
	}
	if err := r.f.Sync(); err != nil {
		return fmt.Errorf("audit state: %w", err)
	}
	return nil
}

// Findings are all results so far, by tenant and key.
func (r *Run) Findings() []Finding {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Finding, 0, len(r.done))
	for _, f := range r.done {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tenant != out[j].Tenant {
			return out[i].Tenant < out[j].Tenant
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Close flushes the state; finished marks the run complete.
func (r *Run) Close(finished bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if finished {
		now := time.Now().UTC()
		r.Finished = &now
		b, _ := json.Marshal(map[string]any{"key": "", "finished": now})
		r.w.Write(append(b, '\n'))
	}
	err := r.sync()
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Path is the state file.
func (r *Run) Path() string { return r.path }

// Begin returns the run an audit writes to: the unfinished run resume
// names, or, when resume is empty, a new run with params.
func Begin(dir, resume string, params map[string]string) (*Run, error) {
	if resume == "" {
		return NewRun(dir, params)
	}
	r, err := OpenRun(dir, resume)
	if err != nil {
		return nil, err
	}
	if r.Finished != nil {
		_ = r.Close(false)
		return nil, fmt.Errorf("audit run %s already finished", resume)
	}
	return r, nil
}
