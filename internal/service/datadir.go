package service

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/earkiv/earkiv/internal/oidclogin"
	"github.com/earkiv/earkiv/internal/tenant"
)

// Paths under the data folder.
func SecretsFile(dataDir string) string    { return filepath.Join(dataDir, "secrets.yaml") }
func DefaultTenants(dataDir string) string { return filepath.Join(dataDir, "tenants.yaml") }
func CatalogFile(dataDir string) string    { return filepath.Join(dataDir, "catalog.db") }

// openDataDir makes the data folder private and every path in cfg
// absolute (the embedded S3 gateway changes the working directory), and
// reads what the service starts from: the secrets of the embedded
// services (created on first use; nil when none runs) and the tenants.
func openDataDir(cfg *Config, log *slog.Logger) (dataDir string, sec *Secrets, reg *tenant.Registry, err error) {
	if dataDir, err = filepath.Abs(cfg.DataDir); err != nil {
		return "", nil, nil, err
	}
	if err := privateDataDir(dataDir, log); err != nil {
		return "", nil, nil, err
	}
	if cfg.TenantsFile == "" {
		cfg.TenantsFile = DefaultTenants(dataDir)
	}
	if cfg.TenantsFile, err = filepath.Abs(cfg.TenantsFile); err != nil {
		return "", nil, nil, err
	}
	if cfg.NATS.URL == "" || cfg.S3.Endpoint == "" {
		if sec, err = LoadSecrets(dataDir, true); err != nil {
			return "", nil, nil, err
		}
	}
	if reg, err = loadTenants(cfg.TenantsFile); err != nil {
		return "", nil, nil, err
	}
	return dataDir, sec, reg, nil
}

// privateDataDir creates the data folder readable by the service user only
// (it holds records, the catalog and secrets), and takes group and other
// access away where an older version or another command left it: from the
// folder, its files (secrets, tenants, catalog) and the folders of the
// parts inside it. The folder's own mode already keeps everyone else out
// of what lies deeper.
func privateDataDir(dir string, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("data folder: %w", err)
	}
	paths := []string{dir}
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink == 0 {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		if fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(p, fi.Mode().Perm()&0o700); err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		log.Warn("data folder: removed group and other access", "path", p, "was", fi.Mode().Perm().String())
	}
	return nil
}

// loadTenants reads the tenants file with the checks the tenant package
// cannot make itself: the roles each identity provider's groups map to.
func loadTenants(file string) (*tenant.Registry, error) {
	reg, err := tenant.Load(file)
	if err != nil {
		return nil, err
	}
	if err := oidclogin.CheckRegistry(reg); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return reg, nil
}
