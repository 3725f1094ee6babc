package marketotest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// benchStoreSizes are the store sizes the sync benchmarks measure a call
// at: the sandbox must hold a million leads without its calls slowing.
var benchStoreSizes = []int{0, 100_000, 1_000_000}

// benchServer is a sandbox without limits holding n leads, loaded through
// Sync Leads calls as a client would load them. report, called after the
// benchmark loop (which clears metrics reported before it), adds the heap
// the leads take.
func benchServer(b *testing.B, n int) (srv *Server, token string, report func()) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cfg := DefaultConfig()
	cfg.RateLimit, cfg.MaxConcurrent, cfg.DailyQuota = 0, 0, 0
	srv = NewHandler(cfg)
	token = srv.tokens.issue(cfg.ClientID, srv.now(), time.Hour).value
	for done := 0; done < n; done += 300 {
		restSync(b, srv, token, restBenchBody("load", done, min(300, n-done)))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	report = func() {
		if n > 0 {
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "heapB/lead")
			b.ReportMetric(float64(after.HeapObjects-before.HeapObjects)/float64(n), "objects/lead")
		}
	}
	return srv, token, report
}

// restBenchBody is a createOrUpdate of count leads with the fields a sheet
// typically maps, emails numbered from first.
func restBenchBody(prefix string, first, count int) string {
	var b strings.Builder
	b.WriteString(`{"action":"createOrUpdate","lookupField":"email","input":[`)
	for i := range count {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"email":"%s%d@example.com","firstName":"Anna","lastName":"Lee %d","company":"Example & Co","phone":"+49 30 1234567","numberOfEmployees":250}`,
			prefix, first+i, first+i)
	}
	b.WriteString(`]}`)
	return b.String()
}

func restSync(b *testing.B, srv *Server, token, body string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodPost, RESTPath+"/v1/leads.json", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"success":true`) {
		b.Fatalf("HTTP %d: %.300s", rec.Code, rec.Body.String())
	}
}

// BenchmarkSyncLeads300 measures one REST Sync Leads call of 300 new leads
// into a store already holding 0, 100k and 1M leads (each timed call adds
// its 300); the cost per call must not grow with the store. gc-ms/op is
// the collector's share, which grew with the store before leads were
// packed; run enough calls for several collections:
//
//	go test -run '^$' -bench 'SyncLeads300|SyncMultipleLeads300At' -benchtime 1000x ./marketo/marketotest/
func BenchmarkSyncLeads300(b *testing.B) {
	for _, n := range benchStoreSizes {
		b.Run(fmt.Sprintf("store=%d", n), func(b *testing.B) {
			srv, token, report := benchServer(b, n)
			b.ReportAllocs()
			gc := gcSeconds()
			i := 0
			for b.Loop() {
				restSync(b, srv, token, restBenchBody("new", i*300, 300))
				i++
			}
			b.ReportMetric((gcSeconds()-gc)*1e3/float64(b.N), "gc-ms/op")
			report()
		})
	}
}

// BenchmarkSyncLeads300Update is the same call updating 300 leads that
// already exist, spread over the store.
func BenchmarkSyncLeads300Update(b *testing.B) {
	for _, n := range benchStoreSizes[1:] {
		b.Run(fmt.Sprintf("store=%d", n), func(b *testing.B) {
			srv, token, _ := benchServer(b, n)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				restSync(b, srv, token, restBenchBody("load", (i*300)%(n-300), 300))
				i++
			}
		})
	}
}

// BenchmarkSyncMultipleLeads300At is the SOAP call of 300 new leads at the
// same store sizes.
func BenchmarkSyncMultipleLeads300At(b *testing.B) {
	for _, n := range benchStoreSizes {
		b.Run(fmt.Sprintf("store=%d", n), func(b *testing.B) {
			srv, _, _ := benchServer(b, n)
			cfg := srv.Config()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				records := make([]string, 300)
				for j := range records {
					records[j] = fmt.Sprintf("<Email>soap%d@example.com</Email>", i*300+j) +
						attrs("FirstName", "Anna", "LastName", "Lee", "Company", "Example &amp; Co", "NumberOfEmployees", "250")
				}
				env := envelope(authHeader(cfg, time.Now()), syncBody("true", records...))
				req := httptest.NewRequest(http.MethodPost, SOAPPath, strings.NewReader(env))
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("HTTP %d: %.300s", rec.Code, rec.Body.String())
				}
				i++
			}
		})
	}
}

// gcSeconds is the CPU time the garbage collector has spent so far, as the
// runtime estimates it: the part of a call's cost that grows with the
// number of pointers the store holds.
func gcSeconds() float64 {
	sample := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(sample)
	return sample[0].Value.Float64()
}
