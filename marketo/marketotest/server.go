package marketotest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Server is a local Marketo. Create it with NewServer (it listens on a
// loopback port, like httptest.NewServer) or NewHandler (the caller serves
// it on its own listener).
type Server struct {
	// URL is the root of the server, e.g. http://127.0.0.1:41234, with no
	// trailing slash. Empty for a handler made by NewHandler until the
	// caller sets it.
	URL string

	mu     sync.RWMutex // guards cfg and fields
	cfg    Config
	fields *fieldSet

	store *store
	// partitions are the lead partitions, Default first; fixed at
	// creation (Config.Partitions), so they are read without a lock.
	partitions []partition
	bulk       *bulkQueue
	lim        *limiter
	rec        *recorder
	tokens     *tokenStore
	clock      func() time.Time
	started    time.Time

	rngMu sync.Mutex
	rng   *rand.Rand

	httpSrv *http.Server
	// active counts requests being served and, for a server made by
	// NewServer, conns counts open connections, so Close can wait for
	// both. A connection is counted from the moment it is accepted, before
	// any handler starts, so Close cannot miss a handler about to begin.
	activeMu   sync.Mutex
	active     int
	conns      int
	activeIdle *sync.Cond
}

// NewServer starts a sandbox on 127.0.0.1 with a free port. It panics if it
// cannot listen, as httptest.NewServer does. Call Close when done.
func NewServer(cfg Config) *Server {
	s := NewHandler(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("marketotest: listen on a loopback port: %v", err))
	}
	s.URL = "http://" + ln.Addr().String()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ConnState: s.connState}
	go s.httpSrv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed on Close
	return s
}

// NewHandler returns a sandbox that serves whatever listener the caller
// puts it on. Set URL to the address clients use, so the endpoint helpers
// return full URLs.
func NewHandler(cfg Config) *Server {
	s := &Server{
		cfg:    cfg,
		fields: newFieldSet(cfg.CustomFields),
		store:  newStore(),
		rec:    newRecorder(),
		tokens: newTokenStore(),
		rng:    rand.New(rand.NewPCG(uint64(cfg.Seed), uint64(cfg.Seed)^0x9e3779b97f4a7c15)),
		clock:  cfg.Clock,
	}
	s.activeIdle = sync.NewCond(&s.activeMu)
	if s.clock == nil {
		s.clock = time.Now
	}
	s.started = s.now()
	s.partitions = newPartitions(cfg.Partitions)
	s.store.cat = newCatalog(s.partitions, s.started)
	s.lim = newLimiter(cfg, s.started)
	s.bulk = newBulkQueue()
	return s
}

// SOAPEndpoint is the URL SOAP clients post to; the WSDL is at this URL
// plus "?WSDL".
func (s *Server) SOAPEndpoint() string { return s.URL + SOAPPath }

// RESTBaseURL is the REST endpoint base, e.g. http://127.0.0.1:41234/rest
// (leads at RESTBaseURL()+"/v1/leads.json").
func (s *Server) RESTBaseURL() string { return s.URL + RESTPath }

// BulkBaseURL is the Bulk API base, e.g. http://127.0.0.1:41234/bulk
// (imports at BulkBaseURL()+"/v1/leads.json"): bulk paths are not under
// /rest, as in Marketo.
func (s *Server) BulkBaseURL() string { return s.URL + BulkPath }

// IdentityURL is the OAuth identity base; tokens come from
// IdentityURL()+"/oauth/token".
func (s *Server) IdentityURL() string { return s.URL + IdentityPath }

// Close stops a server made by NewServer and waits for calls in progress.
// For a server made by NewHandler it only waits for calls in progress.
func (s *Server) Close() {
	if s.httpSrv != nil {
		s.httpSrv.Close() //nolint:errcheck // closing listeners; nothing to report
	}
	s.activeMu.Lock()
	for s.active > 0 || s.conns > 0 {
		s.activeIdle.Wait()
	}
	s.activeMu.Unlock()
}

// connState counts connections as httptest.Server does: up when accepted
// (net/http reports StateNew before the connection's goroutine starts),
// down when closed or taken over.
func (s *Server) connState(_ net.Conn, state http.ConnState) {
	s.activeMu.Lock()
	defer s.activeMu.Unlock()
	switch state {
	case http.StateNew:
		s.conns++
	case http.StateClosed, http.StateHijacked:
		s.conns--
		if s.conns == 0 && s.active == 0 {
			s.activeIdle.Broadcast()
		}
	}
}

// Leads returns a snapshot of every stored lead (deleted ones are gone),
// by ascending ID, with the rows of bulk imports applied as far as the
// sandbox clock says.
func (s *Server) Leads() []Lead {
	s.advanceBulk()
	return s.store.snapshot()
}

// Stats returns what the sandbox has observed so far.
func (s *Server) Stats() Stats {
	s.advanceBulk()
	return s.stats()
}

// Configure changes the configuration while the server runs; calls already
// in progress keep the values they started with. Seed and Clock cannot be
// changed after creation.
func (s *Server) Configure(change func(*Config)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.cfg
	change(&next)
	next.Seed, next.Clock = s.cfg.Seed, s.cfg.Clock
	s.cfg = next
	s.fields = newFieldSet(next.CustomFields)
}

// SetFaults replaces the injected trouble (latency and fault rates).
func (s *Server) SetFaults(f Faults) {
	s.Configure(func(c *Config) { c.setFaults(f) })
}

// Config returns the configuration in force.
func (s *Server) Config() Config {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg
}

func (s *Server) snapshotConfig() (Config, *fieldSet) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg, s.fields
}

func (s *Server) now() time.Time { return s.clock() }

// ServeHTTP routes a request to the SOAP, REST, identity or inspection
// handlers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.activeMu.Lock()
	s.active++
	s.activeMu.Unlock()
	defer func() {
		s.activeMu.Lock()
		s.active--
		if s.active == 0 && s.conns == 0 {
			s.activeIdle.Broadcast()
		}
		s.activeMu.Unlock()
	}()
	// Bulk jobs run on the sandbox clock; whatever asks, they have got as
	// far as that clock says first.
	s.advanceBulk()
	p := r.URL.Path
	switch {
	case p == SOAPPath:
		s.serveSOAP(w, r)
	case p == IdentityPath+"/oauth/token":
		s.serveToken(w, r)
	case strings.HasPrefix(p, RESTPath+"/"):
		s.serveREST(w, r)
	case strings.HasPrefix(p, BulkPath+"/"):
		s.serveBulk(w, r)
	case p == "/sandbox/leads":
		writeJSON(w, http.StatusOK, s.store.snapshot())
	case p == "/sandbox/stats":
		writeJSON(w, http.StatusOK, s.stats())
	case p == "/sandbox/lists":
		writeJSON(w, http.StatusOK, s.Lists())
	case p == "/sandbox/programs":
		writeJSON(w, http.StatusOK, s.Programs())
	case p == "/sandbox/partitions":
		writeJSON(w, http.StatusOK, s.Partitions())
	case p == "/" || p == "/sandbox":
		s.serveIndex(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "Leadsheet sandbox: a local Marketo.\n\nSOAP endpoint: %s%s\nWSDL:          %s%s?WSDL\nREST base URL: %s%s\nBulk base URL: %s%s\nIdentity URL:  %s%s\nStored leads:  %s/sandbox/leads\nStatic lists:  %s/sandbox/lists\nPrograms:      %s/sandbox/programs\nPartitions:    %s/sandbox/partitions\nStatistics:    %s/sandbox/stats\n",
		base, SOAPPath, base, SOAPPath, base, RESTPath, base, BulkPath, base, IdentityPath, base, base, base, base, base)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v) //nolint:errcheck // the client went away; nothing to do
}

// reply is a finished answer, held back so injected trouble can mangle it.
type reply struct {
	status      int
	contentType string
	body        []byte
	// uncounted marks an answer Marketo does not count against the rate
	// window and the quota: a REST response-level error, 6xx or 7xx.
	uncounted bool
}

// trouble is the injected fate of one call, drawn when it arrives.
type trouble struct {
	delay        time.Duration
	gateway      int // 0, or 502/503/504: answer that without processing
	afterGateway int // 0, or 502/503/504: process, then answer that
	timeout      bool
	drop         bool
	malformed    bool
	slow         bool
	cutAt        float64 // where a malformed body is cut, as a fraction
	slowFor      time.Duration
}

func (s *Server) drawTrouble(cfg Config) trouble {
	s.rngMu.Lock()
	defer s.rngMu.Unlock()
	var t trouble
	t.delay = cfg.Latency
	if cfg.LatencyJitter > 0 {
		t.delay += time.Duration(s.rng.Int64N(int64(cfg.LatencyJitter) + 1))
	}
	// One draw decides the outcome, so the rates are exclusive and a call
	// suffers at most one kind of trouble.
	x := s.rng.Float64()
	switch {
	case x < cfg.FaultRate5xx:
		t.gateway = []int{502, 503, 504}[s.rng.IntN(3)]
	case x < cfg.FaultRate5xx+cfg.DropRate:
		t.drop = true
	case x < cfg.FaultRate5xx+cfg.DropRate+cfg.MalformedRate:
		t.malformed = true
		t.cutAt = s.rng.Float64() * 0.9
	case x < cfg.FaultRate5xx+cfg.DropRate+cfg.MalformedRate+cfg.SlowBodyRate:
		t.slow = true
		t.slowFor = cfg.SlowBodyDuration
		if t.slowFor <= 0 {
			t.slowFor = time.Second
		}
	// Kinds added later draw last, so the seeded sequence of the others
	// stays as it was for configurations that do not use them.
	case x < cfg.FaultRate5xx+cfg.DropRate+cfg.MalformedRate+cfg.SlowBodyRate+cfg.ApplyThen5xxRate:
		t.afterGateway = []int{502, 503, 504}[s.rng.IntN(3)]
	case x < cfg.FaultRate5xx+cfg.DropRate+cfg.MalformedRate+cfg.SlowBodyRate+cfg.ApplyThen5xxRate+cfg.TimeoutRate:
		t.timeout = true
	}
	return t
}

// serveCall runs one API call through the pipeline both APIs share:
// concurrency limit, latency, injected gateway errors, the handler, then
// injected damage to the answer. refuse builds the API's own answer for a
// concurrency refusal; timeout, when not nil, the API's answer to an
// injected time-out (nil: the API has none, and the call goes ahead).
//
// The body (up to maxBody bytes; 0 when the caller has read it already) is
// read first, as a real server receives the whole request before working
// on it; only then does net/http notice a client that hangs up, which
// cancels the latency wait.
func (s *Server) serveCall(w http.ResponseWriter, r *http.Request, cfg Config, maxBody int64, refuse, timeout, handle func() reply) {
	if maxBody > 0 {
		body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
		if err != nil {
			r.Body = io.NopCloser(failingReader{err})
		} else {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
	}
	t := s.drawTrouble(cfg)
	if !s.lim.enter(cfg) {
		s.deliver(w, r, refuse(), trouble{})
		return
	}
	defer s.lim.leave()
	if t.delay > 0 {
		timer := time.NewTimer(t.delay)
		select {
		case <-timer.C:
		case <-r.Context().Done():
			timer.Stop()
			return
		}
	}
	if t.gateway != 0 {
		s.rec.fault(fmt.Sprintf("http-%d", t.gateway))
		s.deliver(w, r, gatewayPage(t.gateway), trouble{})
		return
	}
	if t.timeout && timeout != nil {
		s.deliver(w, r, timeout(), trouble{})
		return
	}
	rep := handle()
	if t.afterGateway != 0 {
		s.rec.fault(fmt.Sprintf("applied-http-%d", t.afterGateway))
		rep = gatewayPage(t.afterGateway)
	}
	s.deliver(w, r, rep, t)
}

// gatewayPage is the HTML error page a gateway sends in place of an answer.
func gatewayPage(status int) reply {
	body := fmt.Sprintf("<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		status, http.StatusText(status), status, http.StatusText(status))
	return reply{status: status, contentType: "text/html", body: []byte(body)}
}

// deliver writes an answer, or loses or damages it as t says.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request, rep reply, t trouble) {
	switch {
	case t.drop:
		s.rec.fault("drop")
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close() //nolint:errcheck // the point is to lose the answer
				return
			}
		}
		// Without a hijackable connection, abort the answer instead.
		panic(http.ErrAbortHandler)
	case t.malformed:
		s.rec.fault("malformed")
		rep.body = rep.body[:int(float64(len(rep.body))*t.cutAt)]
	}
	w.Header().Set("Content-Type", rep.contentType)
	if !t.slow {
		w.Header().Set("Content-Length", fmt.Sprint(len(rep.body)))
		w.WriteHeader(rep.status)
		w.Write(rep.body) //nolint:errcheck // the client went away
		return
	}
	s.rec.fault("slow")
	w.Header().Set("Content-Length", fmt.Sprint(len(rep.body)))
	w.WriteHeader(rep.status)
	const chunks = 10
	step := (len(rep.body) + chunks - 1) / chunks
	flusher, _ := w.(http.Flusher)
	for i := 0; i < len(rep.body); i += step {
		if err := sleepCtx(r.Context(), t.slowFor/chunks); err != nil {
			return
		}
		end := min(i+step, len(rep.body))
		if _, err := w.Write(rep.body[i:end]); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// failingReader hands a handler the error met while reading the body.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
