package ihristest

import (
	"errors"
	"fmt"

	"github.com/mhero-go/mhero/fhir/fhirtest"
)

// Server is an in-process iHRIS: a [fhirtest.Server] (everything it does:
// search, paging, history, transactions, auth, faults, the request log)
// that knows iHRIS's custom search parameters and can be filled with a
// generated workforce whose Truth it keeps. It is safe for concurrent use.
type Server struct {
	*fhirtest.Server
	truth *Truth
}

// An Option configures a Server.
type Option func(*config) error

type config struct {
	server []fhirtest.Option
	seeds  []func(*Server) error
}

// WithServerOptions passes options to the FHIR server underneath: a clock,
// page sizes and expiry, authentication, a listening address... (see
// [fhirtest.Option]). They apply after the iHRIS defaults, and
// fhirtest.WithSeedDir seeds before any seed of this package's options.
func WithServerOptions(opts ...fhirtest.Option) Option {
	return func(c *config) error {
		c.server = append(c.server, opts...)
		return nil
	}
}

// WithSeedDir loads every *.json file of dir, as [fhirtest.Server.LoadDir]
// does: the iHRIS demo bundles of shared/fixtures/ihris/demo, its
// terminology or profiles. Seeds of this package's options apply in the
// order given.
func WithSeedDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("ihristest: empty seed directory")
		}
		c.seeds = append(c.seeds, func(s *Server) error { return s.LoadDir(dir) })
		return nil
	}
}

// WithWorkforce seeds the server with a generated national workforce (see
// Workforce); Server.Truth then describes what was generated. Its
// terminology (ihris-job with cadres, ihris-cadre, employment status,
// jurisdiction and facility types) becomes a new version of any CodeSystem
// with the same id seeded before it, and is replaced by one seeded after.
func WithWorkforce(w Workforce) Option {
	return func(c *config) error {
		if err := w.validate(); err != nil {
			return err
		}
		c.seeds = append(c.seeds, func(s *Server) error { return s.loadWorkforce(w) })
		return nil
	}
}

// Start builds the server, seeds it and starts listening on loopback.
func Start(opts ...Option) (*Server, error) {
	var cfg config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	fopts := append([]fhirtest.Option{
		fhirtest.WithName("mHero ihristest (in-process iHRIS)"),
		fhirtest.WithSearchParams(SearchParams()...),
	}, cfg.server...)
	fs, err := fhirtest.Start(fopts...)
	if err != nil {
		return nil, fmt.Errorf("ihristest: %w", err)
	}
	s := &Server{Server: fs}
	for _, seed := range cfg.seeds {
		if err := seed(s); err != nil {
			fs.Close()
			return nil, err
		}
	}
	return s, nil
}

// NewServer is Start for tests: like httptest.NewServer it panics when the
// server cannot start (a bad option or an unreadable seed).
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Truth returns the ground truth of the generated workforce, or nil when
// the server was not seeded by WithWorkforce.
func (s *Server) Truth() *Truth { return s.truth }

// loadWorkforce stores a generated workforce as it is generated, keeping
// its lastUpdated times.
func (s *Server) loadWorkforce(w Workforce) error {
	truth, err := w.Generate(func(r Resource) error { return s.Seed(r.JSON) })
	if err != nil {
		return fmt.Errorf("ihristest: generating the workforce: %w", err)
	}
	s.truth = truth
	return nil
}

// timeFormat is how meta.lastUpdated is written (millisecond precision, as
// HAPI does).
const timeFormat = "2006-01-02T15:04:05.000Z07:00"
