package usecase_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/usecase"
)

// The people of the tests' use cases.
const (
	directorPhone  = "0886 000 001"
	directorURN    = "tel:+231886000001"
	requestorPhone = "0776 000 002"
	requestorURN   = "tel:+231776000002"
	dmPhone        = "0777 000 003"
	dmURN          = "tel:+231777000003"
)

// env is a sandbox (iHRIS and RapidPro with simulated health workers and
// a simulated Director), a store, and a Manager on them.
type env struct {
	sb     *sandbox.Sandbox
	rp     *rapidpro.Client
	reg    *ihris.Registry
	syncer *target.Syncer
	db     *store.DB
	m      *usecase.Manager
	// district is the largest district of the generated registry.
	district string
}

func newEnv(t *testing.T, dsn string, opts ...usecase.Option) *env {
	t.Helper()
	return newEnvWith(t, dsn, sandbox.Config{Workforce: ihristest.Workforce{Workers: 600, Seed: 7}, Seed: 7}, opts...)
}

// newEnvWith is newEnv on a sandbox configured as cfg, with the analytics
// of the workspace given the target syncs' directory, so that reports
// break answers down by district and cadre.
func newEnvWith(t *testing.T, dsn string, cfg sandbox.Config, opts ...usecase.Option) *env {
	t.Helper()
	ctx := context.Background()
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	sb.AddDirector(sandbox.Director{URN: directorURN, Delay: 20 * time.Minute})
	for _, urn := range []string{requestorURN, dmURN} {
		sb.Engine.SetPersona(urn, sandbox.Persona{Kind: sandbox.Responsive})
	}
	e := &env{sb: sb, db: storetest.Open(t, dsn)}
	e.rp, err = rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	fc, err := fhir.NewClient(sb.IHRIS.URL())
	if err != nil {
		t.Fatal(err)
	}
	if e.reg, err = ihris.NewRegistry(fc); err != nil {
		t.Fatal(err)
	}
	if e.syncer, err = target.New(ctx, e.reg, e.rp, e.db, target.WithClock(sb.Now)); err != nil {
		t.Fatal(err)
	}
	e.district = largest(sb.IHRIS.Truth().ByDistrict)
	ws, err := e.rp.Workspace.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := target.NewAttributeStore(ctx, e.db, ws.UUID)
	if err != nil {
		t.Fatal(err)
	}
	an, err := analytics.New(ctx, e.db, ws.UUID, analytics.WithDirectory(analytics.TargetDirectory(attrs)), analytics.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	base := []usecase.Option{usecase.WithRapidPro(e.rp), usecase.WithRegistry(e.reg), usecase.WithSyncer(e.syncer),
		usecase.WithAnalytics(an),
		usecase.WithClock(sb.Now), usecase.WithRandom(readerFunc(func(p []byte) (int, error) {
			for i := range p {
				p[i] = byte(rnd.Uint32())
			}
			return len(p), nil
		})),
		usecase.WithImporter(func(_ context.Context, export []byte) error {
			_, err := sb.RapidPro.ImportFlows(export)
			return err
		}),
		usecase.WithSleep(func(ctx context.Context, d time.Duration) error {
			_, err := sb.Settle(ctx, d)
			return err
		}),
	}
	if e.m, err = usecase.New(ctx, e.db, append(base, opts...)...); err != nil {
		t.Fatal(err)
	}
	return e
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func largest(m map[string]int) string {
	best := ""
	for k, n := range m {
		if best == "" || n > m[best] || n == m[best] && k < best {
			best = k
		}
	}
	return best
}

// formYAML is a Request Form for the malaria stock check, sent to the
// nurses of district, filed at the sandbox's start for a send a week on.
func formYAML(district string) string {
	return fmt.Sprintf(`title: Malaria commodity stock check
unit:
  name: National Malaria Control Program
  director: {name: Dr. Musu Kollie, phone: "%s"}
purpose: Find the facilities that will run out of ACTs or RDTs before the rains.
requestor: {name: Joseph Flomo, title: Supply chain officer, phone: "%s"}
target:
  name: Nurses of the district
  country: LR
  criteria:
    places: [%s]
    cadres: [nurse]
workflow: malaria-stock
follow_up:
  - The district pharmacist calls every facility out of stock.
send:
  date: 2026-03-09
  time: "08:00"
  window: 24h
filed: 2026-03-02
`, directorPhone, requestorPhone, district)
}

// openExample reads the files a form names: built-in example workflows
// by name.
func openExample(name string) ([]byte, error) {
	if data, err := workflows.FS.ReadFile(name + ".yaml"); err == nil {
		return data, nil
	}
	return workflows.FS.ReadFile(name)
}

// create records the test form.
func (e *env) create(t *testing.T, form string) *usecase.Record {
	t.Helper()
	f, _, err := usecase.ParseForm("request.yaml", []byte(form), e.sb.Now(), openExample)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.m.Create(context.Background(), *f, "Aminata Sesay")
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// dm is the Data Manager of the tests.
var dm = usecase.Person{Name: "Aminata Sesay", Title: "Data Manager", Phone: dmPhone}

// toAccepted takes a new use case through review, the simulator, both
// test phones and the Requestor's acceptance.
func (e *env) toAccepted(t *testing.T, id string) *usecase.Record {
	t.Helper()
	ctx := context.Background()
	steps := []func() (*usecase.Record, error){
		func() (*usecase.Record, error) {
			return e.m.Review(ctx, id, usecase.ReviewInput{DataManager: dm, Notes: "questions agreed"})
		},
		func() (*usecase.Record, error) { r, _, err := e.m.Simulate(ctx, id, dm.Name, nil); return r, err },
		func() (*usecase.Record, error) {
			r, _, err := e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneDataManager)
			return r, err
		},
		func() (*usecase.Record, error) { e.settle(t, time.Hour); return e.m.Notify(ctx, id, dm.Name) },
		func() (*usecase.Record, error) {
			r, _, err := e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneRequestor)
			return r, err
		},
		func() (*usecase.Record, error) {
			e.settle(t, time.Hour)
			return e.m.Feedback(ctx, id, usecase.FeedbackInput{By: "Joseph Flomo", Text: "clear, send it", Accept: true})
		},
	}
	var rec *usecase.Record
	for i, s := range steps {
		var err error
		if rec, err = s(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	return rec
}

func (e *env) settle(t *testing.T, d time.Duration) {
	t.Helper()
	if _, err := e.sb.Settle(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

// approve requests the approval and lets the simulated Director answer.
func (e *env) approve(t *testing.T, id string) *usecase.Record {
	t.Helper()
	ctx := context.Background()
	if _, _, err := e.m.RequestApproval(ctx, id, dm.Name); err != nil {
		t.Fatal(err)
	}
	e.settle(t, time.Hour)
	rec, a, err := e.m.CheckApproval(ctx, id, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != usecase.ApprovalApproved {
		t.Fatalf("approval %s, want approved", a.Status)
	}
	return rec
}

func onStores(t *testing.T, f func(t *testing.T, dsn string)) {
	storetest.EachDSN(t, f)
}

// freshDSN returns another empty database of dsn's dialect, for subtests.
func freshDSN(t *testing.T, dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return storetest.DSN(t, store.Postgres)
	}
	return storetest.DSN(t, store.SQLite)
}
