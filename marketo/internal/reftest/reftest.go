// Package reftest finds the Marketo reference material (../shared/reference
// beside the repository) for tests that check against it, such as the real
// WSDL. The reference is the team's, not the product's: where it is absent a
// test skips, unless LEADSHEET_REQUIRE_REFERENCE=1 (set by .ci/run wherever
// the reference is present) makes the absence a failure.
package reftest

import (
	"os"
	"path/filepath"
	"testing"
)

// Require skips t because what is missing, or fails it when
// LEADSHEET_REQUIRE_REFERENCE=1 says the test must run.
func Require(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("LEADSHEET_REQUIRE_REFERENCE") == "1" {
		t.Fatalf("%s is missing, and LEADSHEET_REQUIRE_REFERENCE=1 says this test must run", what)
	}
	t.Skipf("skipping: %s is missing (set LEADSHEET_REQUIRE_REFERENCE=1 to make this a failure)", what)
}

// File returns the path of ../shared/reference/<rel> beside the repository
// root (the directory holding go.mod), calling Require when it is absent.
func File(t testing.TB, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			Require(t, "the repository root (go.mod)")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "reference", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		Require(t, "the Marketo reference "+p)
	}
	return p
}
