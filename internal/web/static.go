package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

// The assets are vendored, minified, with their licences: htmx.min.js
// (htmx.org 2.0.11), pico.min.css (@picocss/pico 2.1.1) and earkiv's own
// site.css. Nothing is fetched from elsewhere at build or run time.
//
//go:embed static
var staticFS embed.FS

// assetVersion is a digest of each asset, appended to its URL so a new
// build's asset is a new URL and a cached one may be kept for a year.
var assetVersion = func() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[path.Base(p)] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}()

func assetURL(name string) string { return "/static/" + name + "?v=" + assetVersion[name] }

// static serves an embedded asset.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	v, ok := assetVersion[name]
	if !ok || path.Base(name) != name {
		http.NotFound(w, r)
		return
	}
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("ETag", `"`+v+`"`)
	if r.Header.Get("If-None-Match") == `"`+v+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	_, _ = w.Write(b) // the client went away: nothing to do
}
