// Package s3gw runs an embedded S3 gateway (versitygw, posix backend) over a
// local folder, so a single machine needs no separate object store. The
// posix backend keeps Object Lock state and checksums in extended attributes
// and versions in a folder beside the buckets.
package s3gw

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
)

// Config is what the gateway needs. Dir must be absolute: the posix backend
// changes the process's working directory to it.
type Config struct {
	Dir       string // holds buckets/ and versions/
	Addr      string // host:port to listen on
	AccessKey string
	SecretKey string
	Region    string
}

// Run serves S3 until ctx is done. Only one gateway can run per process
// (embedgw keeps package globals), and it changes the working directory, so
// callers resolve every relative path before calling Run.
func Run(ctx context.Context, cfg Config) error {
	if !filepath.IsAbs(cfg.Dir) {
		return fmt.Errorf("s3 gateway: data folder %q must be absolute", cfg.Dir)
	}
	root := filepath.Join(cfg.Dir, "buckets")
	versions := filepath.Join(cfg.Dir, "versions")
	for _, d := range []string{root, versions} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("s3 gateway: %w", err)
		}
	}
	if err := (meta.XattrMeta{}).Test(root); err != nil {
		return fmt.Errorf("s3 gateway: %s has no extended attribute support, which Object Lock needs: %w", root, err)
	}
	opts := posix.PosixOpts{
		VersioningDir: versions,
		Concurrency:   64,
		// Each object's ETag is the SHA-256 checksum earkiv always sends,
		// not an MD5 the gateway computes on top: one hash per byte stored
		// instead of two. earkiv never reads ETags as MD5.
		DataIntegrityEtag: true,
		// One gateway process owns the folder, so conditional writes need
		// no lock file shared between processes, and each PUT is spared
		// opening one.
		ForceNoObjLockFile: true,
	}
	// Stored objects are records: readable by the service user only. The
	// file mode is set explicitly, whatever the umask.
	opts.SetNewDirPerm(0o700)
	opts.SetNewFilePerm(0o600)
	be, err := posix.New(root, meta.XattrMeta{}, opts)
	if err != nil {
		return fmt.Errorf("s3 gateway: posix backend: %w", err)
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	gcfg := &embedgw.Config{
		RootUserAccess:    cfg.AccessKey,
		RootUserSecret:    cfg.SecretKey,
		Region:            region,
		Ports:             []string{cfg.Addr},
		MaxConnections:    2500,
		MaxRequests:       1000,
		MultipartMaxParts: 10000,
		Quiet:             true,
		KeepAlive:         true,
		HealthPath:        "/health",
		// Only the root account exists here (no IAM backend), and earkiv
		// keeps municipalities apart by bucket and credentials, never by
		// ACL: skip reading and parsing each bucket's ACL per request.
		DisableACLs: true,
	}
	if err := embedgw.RunVersityGW(ctx, be, gcfg); err != nil && ctx.Err() == nil {
		return fmt.Errorf("s3 gateway: %w", err)
	}
	return nil
}

// WaitReady waits until addr accepts connections.
func WaitReady(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close() // only a probe
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("s3 gateway at %s not ready: %w", addr, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
