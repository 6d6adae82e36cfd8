package pack

import "strings"

// Format is the request's format of a package file, by its name: "zip",
// "tar.gz" or "tar". A folder is "dir".
func Format(p string) string {
	l := strings.ToLower(p)
	switch {
	case strings.HasSuffix(l, ".zip"):
		return "zip"
	case strings.HasSuffix(l, ".tar.gz"), strings.HasSuffix(l, ".tgz"):
		return "tar.gz"
	default:
		return "tar"
	}
}
