package service

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"
)

// Secrets are generated once per data folder for the embedded services.
type Secrets struct {
	NATSPassword string `yaml:"nats_service_password"`
	S3AccessKey  string `yaml:"s3_access_key"`
	S3SecretKey  string `yaml:"s3_secret_key"`
}

// ServiceUser is the NATS login of earkiv's own processes.
const ServiceUser = "earkiv"

// LoadSecrets reads the data folder's secrets, creating them if create is set.
func LoadSecrets(dataDir string, create bool) (*Secrets, error) {
	p := SecretsFile(dataDir)
	b, err := os.ReadFile(p)
	if err == nil {
		var s Secrets
		if err := yaml.Unmarshal(b, &s); err != nil || s.NATSPassword == "" {
			return nil, fmt.Errorf("secrets %s: unreadable (%v)", p, err)
		}
		return &s, nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("secrets: %w (is --data-dir the folder earkiv serve uses?)", err)
	}
	s := &Secrets{NATSPassword: randomHex(24), S3AccessKey: "earkiv" + randomHex(6), S3SecretKey: randomHex(24)}
	b, _ = yaml.Marshal(s)
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
