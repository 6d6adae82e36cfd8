package validate

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/earkiv/earkiv/schemas"
)

// sharedDir finds ../shared beside the project (CI checks it out there).
func sharedDir(t testing.TB) string {
	t.Helper()
	for _, c := range []string{"../../../shared", "../../shared", "../shared"} {
		if fi, err := os.Stat(filepath.Join(c, "samples")); err == nil && fi.IsDir() {
			abs, _ := filepath.Abs(c)
			return abs
		}
	}
	t.Fatal("../shared (samples and schemas) not found beside the project")
	return ""
}

var (
	testV    *Validator
	testVErr error
	testOnce sync.Once
)

func validator(t testing.TB) *Validator {
	t.Helper()
	testOnce.Do(func() {
		fsys, _, err := schemas.Open("")
		if err != nil {
			testVErr = err
			return
		}
		testV, testVErr = New(fsys, Options{})
	})
	if testVErr != nil {
		t.Fatal(testVErr)
	}
	return testV
}
