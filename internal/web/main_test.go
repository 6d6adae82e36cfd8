package web

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/earkiv/earkiv/internal/testenv"
)

// chromiumPath is Debian's chromium, which make deps installs.
const chromiumPath = "/usr/bin/chromium"

// browser is the one headless Chromium of the test binary; each test
// opens its own tab in a browser context of its own, so cookies do not
// cross. browserErr says why there is none.
var (
	browser    context.Context
	browserErr error
)

func TestMain(m *testing.M) {
	if os.Getenv("EARKIV_TESTENV_ROLE") != "" {
		testenv.Main(m, nil) // a child server's role: it exits
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	stop := startBrowser()
	defer stop()
	return m.Run()
}

// startBrowser starts Chromium (as root in CI, so without its sandbox) and
// returns what stops it.
func startBrowser() func() {
	if _, err := os.Stat(chromiumPath); err != nil {
		browserErr = fmt.Errorf("%s is absent (make deps installs it): %w", chromiumPath, err)
		return func() {}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.Headless,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil {
		browserErr = fmt.Errorf("start %s: %w", chromiumPath, err)
		cancel()
		cancelAlloc()
		return func() {}
	}
	browser = ctx
	return func() { cancel(); cancelAlloc() }
}
