package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/earkiv/earkiv/internal/storage"
	"github.com/earkiv/earkiv/internal/testenv"
)

// TestListPages: listing objects and their versions over several pages of
// the S3 listing (1000 keys each) yields each exactly once. versitygw
// repeats the last version of a page at the start of the next, which made
// a 100,000-file AIP look as if a hundred of its files were stored twice.
func TestListPages(t *testing.T) {
	for _, start := range testenv.Backends(t) {
		srv := start(t)
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			st := srv.Store(t)
			const bucket, n = "earkiv-pages", 2100
			if err := st.EnsureBucket(ctx, bucket); err != nil {
				t.Fatal(err)
			}
			keys := make(chan string)
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range keys {
						if _, err := st.Put(ctx, bucket, k, bytes.NewReader([]byte(k)), storage.PutOptions{Size: int64(len(k))}); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			for i := range n {
				keys <- fmt.Sprintf("aip/submission/content/f%05d.txt", i)
			}
			close(keys)
			wg.Wait()
			objs, vers := map[string]int{}, map[string]int{}
			for o, err := range st.List(ctx, bucket, "aip/") {
				if err != nil {
					t.Fatal(err)
				}
				objs[o.Key]++
			}
			for v, err := range st.Versions(ctx, bucket, "aip/") {
				if err != nil {
					t.Fatal(err)
				}
				vers[v.Key+" "+v.VersionID]++
			}
			for name, m := range map[string]map[string]int{"objects": objs, "versions": vers} {
				if len(m) != n {
					t.Errorf("%s: %d listed, want %d", name, len(m), n)
				}
				for k, c := range m {
					if c != 1 {
						t.Errorf("%s: %s listed %d times", name, k, c)
					}
				}
			}
		})
	}
}
