package analytics

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// surveyYAML is the workflow of the tests: four questions, each asked
// again once when the reply does not fit, each timing out after 12 hours.
const surveyYAML = `workflow: Facility check
key: facility-check
language: eng
expire_after: 3d
intro: "Hello @contact.name, the Ministry of Health has 4 short questions."
questions:
  - result: open_today
    ask: "Is your facility open today? Reply YES or NO"
    type: yes_no
    retry: "Please reply YES or NO"
    max_retries: 1
    timeout: 12h
  - result: staff_present
    ask: "How many staff are present today?"
    type: number
    min: 0
    max: 200
    retry: "Please send a number, for example 4"
    max_retries: 1
    timeout: 12h
  - result: main_need
    ask: "What do you need most? 1 Drugs 2 Staff 3 Equipment"
    type: choice
    choices:
      - category: Drugs
        match: ["1", "drugs"]
      - category: Staff
        match: ["2", "staff"]
      - category: Equipment
        match: ["3", "equipment"]
    retry: "Please reply 1, 2 or 3"
    max_retries: 1
    timeout: 12h
  - result: power
    ask: "Does the facility have power today? Reply YES or NO"
    type: yes_no
    retry: "Please reply YES or NO"
    max_retries: 1
    timeout: 12h
closing: "Thank you, your answers are recorded."
`

// mapDirectory is a Directory kept in memory: each contact's workers,
// with their periods of validity.
type mapDirectory struct {
	mu      sync.Mutex
	workers map[string][]Worker
	calls   int
}

func (d *mapDirectory) set(contact string, w Worker) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.workers == nil {
		d.workers = map[string][]Worker{}
	}
	list := d.workers[contact]
	if n := len(list); n > 0 && w.ValidFrom.After(list[n-1].ValidFrom) {
		list[n-1].ValidTo = w.ValidFrom
	}
	d.workers[contact] = append(list, w)
}

func (d *mapDirectory) WorkerAt(_ context.Context, contact string, at time.Time) (Worker, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	for _, w := range d.workers[contact] {
		if !at.Before(w.ValidFrom) && (w.ValidTo.IsZero() || at.Before(w.ValidTo)) {
			return w, nil
		}
	}
	return Worker{}, ErrUnknownContact
}

// worker is a simulated health worker of a test world.
type worker struct {
	contact, urn string
	Worker
}

// world is a sandbox RapidPro with the test workflow imported and health
// workers as contacts of a group.
type world struct {
	sb      *sandbox.Sandbox
	rp      *rapidpro.Client
	flow    *flow.Flow
	group   string
	workers []worker
	dir     *mapDirectory
}

// worldConfig describes a world: districts × per district workers, and
// how they behave.
type worldConfig struct {
	districts, perDistrict int
	mix                    sandbox.Mix
	mixFor                 func(fields map[string]string) sandbox.Mix
	misunderstood          map[string]float64
	seed                   uint64
}

func newWorld(t testing.TB, cfg worldConfig) *world {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 10, Regions: 1, Districts: 1, Facilities: 1},
		Mix: cfg.mix, MixFor: cfg.mixFor, Misunderstood: cfg.misunderstood, Seed: cfg.seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	w, err := workflow.Parse("survey.yaml", []byte(surveyYAML))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sb.RapidPro.ImportFlows(data); err != nil {
		t.Fatal(err)
	}
	wd := &world{sb: sb, flow: &exp.Flows[0], dir: &mapDirectory{}}
	wd.group, err = sb.RapidPro.AddGroup("Facility in-charges", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"district", "region", "facility", "cadre"} {
		if err := sb.RapidPro.AddField(f, f, "text"); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for d := range cfg.districts {
		region := fmt.Sprintf("R%d", d%2+1)
		for i := range cfg.perDistrict {
			n++
			hw := worker{urn: fmt.Sprintf("tel:+23177%07d", n)}
			hw.Worker = Worker{ID: fmt.Sprintf("P%06d", n), Name: fmt.Sprintf("Worker %d", n), Gender: []string{"female", "male"}[n%2],
				FacilityID: fmt.Sprintf("F%d-%d", d+1, i%4), Facility: fmt.Sprintf("Facility %d-%d", d+1, i%4),
				DistrictID: fmt.Sprintf("D%d", d+1), District: fmt.Sprintf("District %d", d+1),
				RegionID: region, Region: "Region " + region[1:],
				Cadre: []string{"nurse", "midwife", "chw"}[n%3], CadreName: []string{"Nurse", "Midwife", "CHW"}[n%3]}
			hw.contact, err = sb.RapidPro.AddContact(rapidprotest.ContactSpec{Name: hw.Name, URNs: []string{hw.urn}, Groups: []string{wd.group},
				Fields: map[string]string{"district": hw.DistrictID, "region": hw.RegionID, "facility": hw.FacilityID, "cadre": hw.Cadre}})
			if err != nil {
				t.Fatal(err)
			}
			wd.dir.set(hw.contact, hw.Worker)
			wd.workers = append(wd.workers, hw)
		}
	}
	wd.rp, err = rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing(),
		rapidpro.WithWorkspace(sb.RapidPro.WorkspaceUUID()))
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// send starts the flow for the group and lets simulated time pass.
func (wd *world) send(t testing.TB, settle time.Duration) string {
	t.Helper()
	ctx := context.Background()
	fs, err := wd.rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: wd.flow.UUID, Groups: []string{wd.group}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wd.sb.Settle(ctx, settle); err != nil {
		t.Fatal(err)
	}
	return fs.UUID
}

// monitor returns a Monitor of the world's workspace in db, tracking the
// flow.
func (wd *world) monitor(t testing.TB, db *store.DB, opts ...Option) *Monitor {
	t.Helper()
	opts = append([]Option{WithDirectory(wd.dir), WithClock(wd.sb.Now)}, opts...)
	m, err := New(context.Background(), db, wd.sb.RapidPro.WorkspaceUUID(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Track(context.Background(), wd.flow); err != nil {
		t.Fatal(err)
	}
	return m
}

// eachDB runs f on a fresh SQLite database and, when configured, a
// PostgreSQL one.
func eachDB(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Helper()
	storetest.Each(t, f)
}
