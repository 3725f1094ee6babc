// Package reftest reads the copies of Marketo's reference material kept in
// the repository's testdata/marketo (see the README there), for tests that
// check the client and the sandbox against the real thing, such as the WSDL.
// The copies are part of the repository so these tests run on a fresh clone.
package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// Read returns the contents of testdata/marketo/<rel> at the module root
// (the nearest directory above the working directory holding go.mod), so the
// tests of any package find the same copy.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test's working directory; run the tests from inside the repository")
		}
		dir = parent
	}
	b, err := os.ReadFile(filepath.Join(dir, "testdata", "marketo", filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("reading the Marketo reference copy: %v", err)
	}
	return b
}
