package main

import (
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/earkiv/earkiv/internal/placement"
	"github.com/earkiv/earkiv/internal/service"
)

// adminStore finds the tenants' buckets where a serve with this data folder
// keeps them: on the --s3.endpoint given, or on the embedded gateway,
// started here if serve is not running.
func adminStore(c *cli.Context) (*placement.Stores, func(), error) {
	dataDir, err := filepath.Abs(c.String("data-dir"))
	if err != nil {
		return nil, nil, err
	}
	return service.OpenStores(c.Context, dataDir, service.S3Config{Endpoint: c.String("s3.endpoint"), Addr: c.String("s3.addr"),
		AccessKey: c.String("s3.access-key"), SecretKey: c.String("s3.secret-key"), Region: c.String("s3.region")})
}
