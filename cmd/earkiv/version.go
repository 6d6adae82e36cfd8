package main

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// version is stamped at build time (make build: -ldflags -X main.version=
// from git describe). Every AIP's manifest and PREMIS agent name it, so
// it must say which code made the AIP, for as long as the AIP is kept.
var version string

// buildInfo is what the binary knows of its own making.
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// readBuildInfo falls back on what the Go toolchain records (the VCS
// revision of a go build in a checkout) when no version was stamped.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
	}
	if b.Version == "" && b.Revision != "" {
		b.Version = "0.0.0-" + b.Revision[:min(12, len(b.Revision))]
		if b.Modified {
			b.Version += "-dirty"
		}
	}
	if b.Version == "" {
		b.Version = "unknown"
	}
	return b
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version this binary records in every AIP",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "version, VCS revision and time, Go version as JSON"}},
		Action: func(c *cli.Context) error {
			b := readBuildInfo()
			if c.Bool("json") {
				return json.NewEncoder(stdout).Encode(b)
			}
			fmt.Fprintln(stdout, b.Version)
			return nil
		},
	}
}
