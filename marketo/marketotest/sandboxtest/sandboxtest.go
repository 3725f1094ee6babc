// Package sandboxtest starts the local Marketo for one test, as
// net/http/httptest starts a server: on a loopback port, with its
// connections tracked by httptest, closed when the test ends. It is kept
// apart from marketotest so the product binary, which serves the sandbox
// as `leadsheet sandbox`, does not link the testing package.
package sandboxtest

import (
	"net/http/httptest"
	"testing"

	"leadsheet/marketo/marketotest"
)

// Start serves a sandbox configured by cfg until t ends.
func Start(t testing.TB, cfg marketotest.Config) *marketotest.Server {
	t.Helper()
	srv := marketotest.NewHandler(cfg)
	ts := httptest.NewServer(srv)
	srv.URL = ts.URL
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	return srv
}
