// Package endpoints keeps, in a data folder, the addresses the serve of that
// folder answers on. The operators' commands (events, reindex, fixity) and
// the producers' (submit, receipt) read it, so a serve on ports other than
// the defaults is found from its data folder alone.
package endpoints

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// File is the file's name inside the data folder.
const File = "endpoints.json"

// ErrNoServe is returned by Read when no serve of the folder is running.
var ErrNoServe = errors.New("no running serve recorded in the data folder")

// Endpoints are where a running serve answers.
type Endpoints struct {
	// PID is the serve's process, so a file left by a crash is ignored.
	PID     int    `json:"pid"`
	NATSURL string `json:"nats_url"`
	// S3Endpoint is the store serve uses; S3Addr is set only when that is
	// the embedded gateway, which admin commands log in to with the data
	// folder's secrets.
	S3Endpoint string `json:"s3_endpoint"`
	S3Addr     string `json:"s3_addr,omitempty"`
	HTTP       string `json:"http,omitempty"`
	Metrics    string `json:"metrics,omitempty"`
}

// Path is where the file of dataDir lives.
func Path(dataDir string) string { return filepath.Join(dataDir, File) }

// Write records e for this process, readable by its user only. It writes
// a temporary file and renames it, so a reader never sees half a file.
func Write(dataDir string, e Endpoints) error {
	e.PID = os.Getpid()
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return fmt.Errorf("endpoints: %w", err)
	}
	f, err := os.CreateTemp(dataDir, ".endpoints-*")
	if err != nil {
		return fmt.Errorf("endpoints: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Chmod(0o600); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), Path(dataDir))
	}
	if err != nil {
		_ = os.Remove(f.Name()) // best effort: the write already failed
		return fmt.Errorf("endpoints: %w", err)
	}
	return nil
}

// Read returns the endpoints of the folder's running serve, or an error
// matching ErrNoServe when there is no file or its process has ended.
func Read(dataDir string) (Endpoints, error) {
	var e Endpoints
	b, err := os.ReadFile(Path(dataDir))
	if errors.Is(err, fs.ErrNotExist) {
		return e, ErrNoServe
	}
	if err != nil {
		return e, fmt.Errorf("endpoints: %w", err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("endpoints %s: %w", Path(dataDir), err)
	}
	if !alive(e.PID) {
		return Endpoints{}, fmt.Errorf("%w (%s names process %d, which has ended)", ErrNoServe, Path(dataDir), e.PID)
	}
	return e, nil
}

// Remove deletes the file if this process wrote it: a second serve that
// fails to start on the same folder leaves the first one's file alone.
func Remove(dataDir string) error {
	e, err := Read(dataDir)
	if errors.Is(err, ErrNoServe) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.PID != os.Getpid() {
		return nil
	}
	if err := os.Remove(Path(dataDir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("endpoints: %w", err)
	}
	return nil
}

// alive reports whether process pid exists; one of another user (EPERM)
// counts.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}
