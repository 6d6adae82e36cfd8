package ingest

import (
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"

	"github.com/earkiv/earkiv/internal/pkgfs"
)

// budget admits validations while the sum of what they may take of the
// heap (validate.MemoryNeed) fits the worker's memory budget, so that
// several big packages at once cannot exhaust the machine. A package
// whose need alone exceeds the budget waits until it can take all of it,
// and then runs alone.
type budget struct {
	total int64
	sem   *semaphore.Weighted
}

func newBudget(total int64) *budget {
	return &budget{total: total, sem: semaphore.NewWeighted(total)}
}

// acquire takes need (capped at the budget) and returns what to release.
func (b *budget) acquire(ctx context.Context, need int64) (int64, error) {
	need = min(max(need, 1), b.total)
	if err := b.sem.Acquire(ctx, need); err != nil {
		return 0, fmt.Errorf("wait for memory to validate: %w", err)
	}
	return need, nil
}

func (b *budget) release(n int64) {
	if n > 0 {
		b.sem.Release(n)
	}
}

// budgeted wraps the job's open so that validation starts only once the
// package's memory need is granted; the grant is held until the job ends
// (j.releaseMemory). held is what the job already holds of the package in
// memory.
func (j *job) budgeted(ctx context.Context, open func() (pkgfs.Package, error), held int64) func() (pkgfs.Package, error) {
	return func() (pkgfs.Package, error) {
		pkg, err := open()
		if err != nil {
			return nil, err
		}
		need := j.w.cfg.Validator.MemoryNeed(pkg) + held
		got, err := j.w.mem.acquire(ctx, need)
		if err != nil {
			_ = pkg.Close() // read only
			return nil, err
		}
		j.memHeld += got
		j.w.cfg.Hook("memory-granted", fmt.Sprint(got))
		j.w.cfg.Log.Debug("memory granted for validation", "submission", j.req.SubmissionID, "need", need, "granted", got)
		return pkg, nil
	}
}

func (j *job) releaseMemory() {
	if j.memHeld > 0 {
		j.w.mem.release(j.memHeld)
		j.w.cfg.Hook("memory-released", fmt.Sprint(j.memHeld))
		j.memHeld = 0
	}
}
