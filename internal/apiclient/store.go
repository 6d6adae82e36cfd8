package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Saved is a token kept for the command line, per server.
type Saved struct {
	Server  string    `json:"server"`
	Token   string    `json:"token"`
	Tenant  string    `json:"tenant"`
	Person  string    `json:"person"`
	Expires time.Time `json:"expires"`
}

// tokens is the file's content: the last server logged in to, and a token
// for each server.
type tokens struct {
	Current string           `json:"current"`
	Servers map[string]Saved `json:"servers"`
}

// TokenFile is where tokens are kept: earkiv/tokens.json in the user's
// configuration folder ($XDG_CONFIG_HOME or ~/.config), readable by the
// user alone.
func TokenFile() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no folder to keep the token in: %w (use --print-token and EARKIV_TOKEN)", err)
	}
	return filepath.Join(d, "earkiv", "tokens.json"), nil
}

func readTokens(path string) (tokens, error) {
	t := tokens{Servers: map[string]Saved{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return t, nil
	}
	if err != nil {
		return t, err
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return t, fmt.Errorf("%s: %w", path, err)
	}
	if t.Servers == nil {
		t.Servers = map[string]Saved{}
	}
	return t, nil
}

// Save keeps s in path as the token for its server, and makes that server
// the current one. The file is replaced whole, mode 0600.
func Save(path string, s Saved) error {
	t, err := readTokens(path)
	if err != nil {
		return err
	}
	t.Servers[s.Server] = s
	t.Current = s.Server
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tokens-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		return errors.Join(err, tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Load returns the token kept for server, or for the current server when
// server is empty. ok is false when there is none.
func Load(path, server string) (s Saved, ok bool, err error) {
	t, err := readTokens(path)
	if err != nil {
		return Saved{}, false, err
	}
	if server == "" {
		server = t.Current
	}
	s, ok = t.Servers[server]
	return s, ok, nil
}
