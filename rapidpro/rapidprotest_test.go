package rapidpro

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// testServer starts an in-process RapidPro without throttling.
func testServer(t *testing.T, opts ...rapidprotest.Option) *rapidprotest.Server {
	t.Helper()
	srv, err := rapidprotest.New(append([]rapidprotest.Option{rapidprotest.WithRateLimits(0, 0), rapidprotest.WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// testClient returns a client of srv with quick retries and no pacing.
func testClient(t *testing.T, srv *rapidprotest.Server, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithoutPacing(), WithRetry(4, time.Millisecond, 20*time.Millisecond), WithReconcileWait(10 * time.Millisecond)}
	c, err := NewClient(srv.URL(), srv.Token(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memServer starts an in-process RapidPro without throttling that is
// reached with no network, through the client it returns, so that a test
// can run in a synctest bubble.
func memServer(t *testing.T, opts ...rapidprotest.Option) (*rapidprotest.Server, *http.Client) {
	t.Helper()
	srv, err := rapidprotest.New(append([]rapidprotest.Option{rapidprotest.WithRateLimits(0, 0), rapidprotest.WithSeed(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, handlerClient(srv)
}

// memClient returns a client of a memServer with quick retries.
func memClient(t *testing.T, srv *rapidprotest.Server, hc *http.Client, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithHTTPClient(hc), WithRetry(4, time.Millisecond, 20*time.Millisecond), WithReconcileWait(10 * time.Millisecond)}
	c, err := NewClient("http://rapidpro.test", srv.Token(), append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// readAll lists every run, failing on a duplicate.
func readAllRuns(t *testing.T, c *Client, p *RunListParams) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for run, err := range c.Runs.List(t.Context(), p) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[run.UUID] {
			t.Fatalf("run %s listed twice", run.UUID)
		}
		seen[run.UUID] = true
	}
	return seen
}

func TestServerPagingOverManyPages(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	const total = 5*PageSize + 5
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: total})
	if err != nil {
		t.Fatal(err)
	}
	c := testClient(t, srv)
	if got := readAllRuns(t, c, &RunListParams{Flow: flow}); len(got) != total {
		t.Errorf("listed %d runs, want %d", len(got), total)
	}
	if n := srv.RequestCount("GET", "runs"); n != 6 {
		t.Errorf("%d pages fetched, want 6", n)
	}
}

func TestServerResumeFromCursorInNewClient(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	const total = 3*PageSize + 17
	if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: total}); err != nil {
		t.Fatal(err)
	}
	first, err := testClient(t, srv).Runs.ListPage(t.Context(), &RunListParams{Reverse: true})
	if err != nil {
		t.Fatal(err)
	}
	saved := first.Next // a program stores this, exits, and starts again
	seen := map[string]bool{}
	for _, r := range first.Results {
		seen[r.UUID] = true
	}
	fresh := testClient(t, srv)
	for run, err := range fresh.Runs.List(t.Context(), &RunListParams{Cursor: saved}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[run.UUID] {
			t.Fatalf("run %s read again after resuming", run.UUID)
		}
		seen[run.UUID] = true
	}
	if len(seen) != total {
		t.Errorf("read %d runs across the restart, want %d", len(seen), total)
	}
}

func TestServerPacingAvoids429(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// The server allows 4 requests a second on the runs scope; the
		// client paces at 3 a second, so it never meets a 429.
		srv, hc := memServer(t, rapidprotest.WithRateLimit(rapidprotest.ScopeRuns, 4, time.Second))
		if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 6 * PageSize}); err != nil {
			t.Fatal(err)
		}
		// Naming the workspace up front makes the first request use the
		// workspace's pacer too (otherwise it is paced by token until the
		// X-Temba-Workspace header arrives, which allows one extra burst).
		c := memClient(t, srv, hc, WithRateLimit(3*3600, 1), WithWorkspace(srv.WorkspaceUUID()))
		start := time.Now()
		if got := readAllRuns(t, c, nil); len(got) != 6*PageSize {
			t.Fatalf("listed %d runs", len(got))
		}
		if n, d := srv.RequestCount("GET", "runs"), time.Since(start); n != 6 || (d-5*time.Second/3).Abs() > time.Millisecond {
			t.Errorf("%d pages in %v, want 6 in 5 intervals of 1/3s", n, d)
		}
		for _, r := range srv.Requests() {
			if r.Status == http.StatusTooManyRequests {
				t.Errorf("the paced client was throttled: %+v", r)
			}
		}
	})
}

func TestServer429RetryAfterHonoured(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// Unpaced, the client runs into the limit and waits out Retry-After.
		srv, hc := memServer(t, rapidprotest.WithRateLimit(rapidprotest.ScopeRuns, 3, time.Second))
		if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 5 * PageSize}); err != nil {
			t.Fatal(err)
		}
		c := memClient(t, srv, hc, WithoutPacing())
		start := time.Now()
		if got := readAllRuns(t, c, nil); len(got) != 5*PageSize {
			t.Fatalf("listed %d runs", len(got))
		}
		var throttled []time.Duration
		for _, r := range srv.Requests() {
			if r.Status == http.StatusTooManyRequests {
				throttled = append(throttled, r.Time.Sub(start))
			}
		}
		// 5 pages, 3 a second: the 4th request is throttled, and sent
		// again when the Retry-After of 1s says.
		if len(throttled) != 1 || throttled[0] != 0 || time.Since(start) != time.Second {
			t.Errorf("throttled at %v, done after %v; want once at 0, done after 1s", throttled, time.Since(start))
		}
	})
}

func TestServerFaultsWhilePagingLoseAndRepeatNothing(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	const total = 8 * PageSize
	if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: total}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []rapidprotest.Fault{
		{Kind: rapidprotest.FaultStatus, Status: 503, Method: "GET", Endpoint: "runs", Skip: 1, Times: 2},
		{Kind: rapidprotest.FaultTruncate, Method: "GET", Endpoint: "runs", Skip: 2, Times: 1},
		{Kind: rapidprotest.FaultDropAfterCommit, Method: "GET", Endpoint: "runs", Skip: 3, Times: 1},
		{Kind: rapidprotest.FaultStatus, Status: 500, Method: "GET", Endpoint: "runs", Skip: 5, Times: 1},
	} {
		srv.InjectFault(f)
	}
	c := testClient(t, srv)
	if got := readAllRuns(t, c, &RunListParams{Reverse: true}); len(got) != total {
		t.Errorf("listed %d distinct runs, want %d", len(got), total)
	}
	faulted := 0
	for _, r := range srv.Requests() {
		if r.Fault != "" {
			faulted++
		}
	}
	if faulted < 4 {
		t.Errorf("only %d requests were faulted", faulted)
	}
}

// startFixture seeds a flow and a group of three contacts.
func startFixture(t *testing.T, srv *rapidprotest.Server) (flow string) {
	t.Helper()
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddGroup("Nurses", ""); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := srv.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprintf("Nurse %d", i), URNs: []string{fmt.Sprintf("tel:+23177000000%d", i)}, Groups: []string{"Nurses"}}); err != nil {
			t.Fatal(err)
		}
	}
	return flow
}

func TestServerExactlyOneFlowStartAfterCommitThenDrop(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	flow := startFixture(t, srv)
	before := srv.Counts().FlowStarts
	srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: "flow_starts", Times: 1})
	c := testClient(t, srv)
	start, err := c.FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: flow, Groups: []string{"Nurses"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Counts().FlowStarts - before; got != 1 {
		t.Errorf("%d flow starts exist, want exactly 1", got)
	}
	if n := srv.RequestCount("POST", "flow_starts"); n != 1 {
		t.Errorf("the start was POSTed %d times", n)
	}
	if start.UUID == "" || start.Mark() == "" {
		t.Errorf("the reconciled start is incomplete: %+v", start)
	}
}

func TestServerFlowStartRetriedAfter500(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	flow := startFixture(t, srv)
	srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultStatus, Status: 500, Method: "POST", Endpoint: "flow_starts", Times: 1})
	c := testClient(t, srv)
	if _, err := c.FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: flow, Groups: []string{"Nurses"}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Counts().FlowStarts; got != 1 {
		t.Errorf("%d flow starts exist, want exactly 1", got)
	}
	if n := srv.RequestCount("POST", "flow_starts"); n != 2 {
		t.Errorf("the start was POSTed %d times, want 2 (the first was refused)", n)
	}
}

func TestServerBroadcastCommittedThenDropped(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	startFixture(t, srv)
	srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: "broadcasts", Times: 1})
	c := testClient(t, srv)
	b, err := c.Broadcasts.Create(t.Context(), &BroadcastRequest{Text: Translations{"eng": "Training on Monday"}, Groups: []string{"Nurses"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Counts().Broadcasts; got != 1 || b.UUID == "" {
		t.Errorf("%d broadcasts exist (%+v), want exactly 1", got, b)
	}
}

func TestServerBadTokenAndValidation(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	bad, err := NewClient(srv.URL(), "not-the-token-at-all", WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Contacts.ListPage(t.Context(), nil); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("bad token: %v, want ErrInvalidToken", err)
	}
	c := testClient(t, srv)
	if _, err := c.Contacts.Create(t.Context(), &ContactRequest{Name: Ptr("A"), URNs: []string{"tel:+231770000001"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Contacts.Create(t.Context(), &ContactRequest{Name: Ptr("B"), URNs: []string{"tel:+231770000001"}})
	var apiErr *Error
	if !errors.As(err, &apiErr) || len(apiErr.Fields["urns.0"]) == 0 {
		t.Fatalf("taken URN: %v, want a field error on urns.0", err)
	}
	if _, err := c.Contacts.ListPage(t.Context(), &ContactListParams{UUID: "not-a-uuid"}); !errors.Is(err, ErrValidation) {
		t.Errorf("invalid uuid param: %v, want ErrValidation", err)
	}
}

func TestServerContactsLifecycle(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	if err := srv.AddField("district", "District", "text"); err != nil {
		t.Fatal(err)
	}
	c := testClient(t, srv)
	g, err := c.Groups.Create(t.Context(), "Midwives")
	if err != nil {
		t.Fatal(err)
	}
	urn, err := PhoneURN("0770 000 009", "LR")
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.Contacts.UpdateByURN(t.Context(), urn, &ContactRequest{Name: Ptr("Ama"), Fields: map[string]*string{"district": Ptr("Bong")}})
	if err != nil {
		t.Fatal(err)
	}
	if created.Fields["district"].String() != "Bong" || created.URNs[0] != urn {
		t.Errorf("upsert: %+v", created)
	}
	if _, err := c.ContactActions.AddToGroup(t.Context(), g.UUID, []string{created.UUID}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Contacts.Get(t.Context(), created.UUID)
	if err != nil || len(got.Groups) != 1 || got.Groups[0].Name != "Midwives" {
		t.Fatalf("after add: %+v, %v", got, err)
	}
	var cp Checkpoint
	n := 0
	for ct, err := range c.Contacts.Changes(t.Context(), nil, cp) {
		if err != nil {
			t.Fatal(err)
		}
		cp.Observe(ct.ModifiedOn.Time, ct.UUID)
		n++
	}
	if n != 1 {
		t.Errorf("Changes listed %d contacts, want 1", n)
	}
	for range c.Contacts.Changes(t.Context(), nil, cp) {
		t.Error("Changes repeated a contact already seen")
	}
	if err := c.Contacts.Delete(t.Context(), created.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Contacts.Get(t.Context(), created.UUID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}

func TestServerExactlyOneFlowStartWhenServerClockDiffers(t *testing.T) {
	t.Parallel()
	// The server stamps records with a clock months behind its Date
	// header: the lookup must not rely on the two agreeing.
	clock := rapidprotest.NewManualClock(time.Now().Add(-90*24*time.Hour), time.Millisecond)
	srv := testServer(t, rapidprotest.WithClock(clock))
	flow := startFixture(t, srv)
	srv.InjectFault(rapidprotest.Fault{Kind: rapidprotest.FaultDropAfterCommit, Method: "POST", Endpoint: "flow_starts", Times: 1})
	if _, err := testClient(t, srv).FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: flow, Groups: []string{"Nurses"}}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Counts().FlowStarts; got != 1 {
		t.Errorf("%d flow starts exist, want exactly 1", got)
	}
}

// countAll drains a list, failing the test on any error.
func countAll[T any](t *testing.T, name string, seq func(yield func(T, error) bool)) int {
	t.Helper()
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return n
		}
		n++
	}
	return n
}

// TestServerEveryEndpointDecodes reads every endpoint of the in-process
// server, whose JSON is written independently of this package's types.
func TestServerEveryEndpointDecodes(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	ctx := t.Context()
	if err := srv.AddField("district", "District", "text"); err != nil {
		t.Fatal(err)
	}
	srv.AddGlobal("org_name", "Org Name", "Ministry of Health")
	label := srv.AddLabel("Important")
	srv.AddResthook("new-report")
	srv.AddArchive(rapidprotest.ArchiveSpec{Type: "run", Period: "monthly", StartDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), RecordCount: 10, Size: 100, Hash: "abc", DownloadURL: "https://example.org/a.jsonl.gz"})
	if err := srv.AddBoundary(rapidprotest.BoundarySpec{OSMID: "R1", Name: "Liberia", Level: 0}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddBoundary(rapidprotest.BoundarySpec{OSMID: "R2", Name: "Bong", Level: 1, Parent: "R1", Aliases: []string{"Bong County"}}); err != nil {
		t.Fatal(err)
	}
	flow := startFixture(t, srv)
	contact, err := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000099"}, Fields: map[string]string{"district": "Bong"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddTicket(contact, "Support"); err != nil {
		t.Fatal(err)
	}
	c := testClient(t, srv)
	if _, err := c.FlowStarts.Create(ctx, &FlowStartRequest{Flow: flow, Contacts: []string{contact}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Broadcasts.Create(ctx, &BroadcastRequest{Text: Translations{"eng": "Hello"}, Groups: []string{"Nurses"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Messages.Send(ctx, &MessageRequest{Contact: contact, Text: "Hi", QuickReplies: []QuickReply{{Text: "OK"}}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Receive(ctx, "tel:+231770000099", "thanks"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resthooks.Subscribe(ctx, "new-report", "https://example.org/hook"); err != nil {
		t.Fatal(err)
	}
	g, err := c.Groups.GetByName(ctx, "Nurses")
	if err != nil {
		t.Fatal(err)
	}
	camp, err := c.Campaigns.Create(ctx, &CampaignRequest{Name: "Reminders", Group: g.UUID})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddField("training_date", "Training Date", "datetime"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CampaignEvents.Create(ctx, &CampaignEventRequest{Campaign: camp.UUID, RelativeTo: "training_date", Offset: -1, Unit: "days", DeliveryHour: 9, Message: Translations{"": "Training tomorrow"}}); err != nil {
		t.Fatal(err)
	}

	atLeastOne := map[string]int{
		"archives":             countAll(t, "archives", c.Archives.List(ctx, nil)),
		"boundaries":           countAll(t, "boundaries", c.Boundaries.List(ctx, nil)),
		"broadcasts":           countAll(t, "broadcasts", c.Broadcasts.List(ctx, nil)),
		"campaigns":            countAll(t, "campaigns", c.Campaigns.List(ctx, nil)),
		"campaign_events":      countAll(t, "campaign_events", c.CampaignEvents.List(ctx, nil)),
		"contacts":             countAll(t, "contacts", c.Contacts.List(ctx, nil)),
		"fields":               countAll(t, "fields", c.Fields.List(ctx, nil)),
		"flow_starts":          countAll(t, "flow_starts", c.FlowStarts.List(ctx, nil)),
		"flows":                countAll(t, "flows", c.Flows.List(ctx, nil)),
		"globals":              countAll(t, "globals", c.Globals.List(ctx, nil)),
		"groups":               countAll(t, "groups", c.Groups.List(ctx, nil)),
		"labels":               countAll(t, "labels", c.Labels.List(ctx, &LabelListParams{UUID: label})),
		"messages":             countAll(t, "messages", c.Messages.List(ctx, nil)),
		"resthooks":            countAll(t, "resthooks", c.Resthooks.List(ctx, nil)),
		"resthook_subscribers": countAll(t, "resthook_subscribers", c.Resthooks.Subscribers(ctx, nil)),
		"runs":                 countAll(t, "runs", c.Runs.List(ctx, nil)),
		"tickets":              countAll(t, "tickets", c.Tickets.List(ctx, nil)),
		"topics":               countAll(t, "topics", c.Topics.List(ctx, nil)),
		"users":                countAll(t, "users", c.Users.List(ctx, nil)),
	}
	for endpoint, n := range atLeastOne {
		if n == 0 {
			t.Errorf("%s listed nothing", endpoint)
		}
	}
	countAll(t, "channels", c.Channels.List(ctx, nil))
	countAll(t, "channel_events", c.ChannelEvents.List(ctx, nil))
	countAll(t, "resthook_events", c.Resthooks.Events(ctx, nil))

	ws, err := c.Workspace.Get(ctx)
	if err != nil || ws.UUID != srv.WorkspaceUUID() {
		t.Errorf("workspace %+v, %v", ws, err)
	}
	export, err := c.Definitions.Get(ctx, &DefinitionsParams{Flows: []string{flow}})
	if err != nil || len(export.Flows) != 1 {
		t.Errorf("definitions: %v flows, %v", export, err)
	}
	got, err := c.Contacts.Get(ctx, contact)
	if err != nil || got.Fields["district"].String() != "Bong" {
		t.Errorf("contact fields: %+v, %v", got, err)
	}
}

// A contact reached by several batches (through a group and by UUID) is
// started once.
func TestServerStartManyStartsOverlappingRecipientsOnce(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	flow := startFixture(t, srv)
	c := testClient(t, srv)
	group, err := srv.AddGroup("Overlap", "")
	if err != nil {
		t.Fatal(err)
	}
	var contacts []string
	for i := range 150 {
		uuid, err := srv.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprint("W", i),
			URNs: []string{fmt.Sprintf("tel:+23177010%04d", i)}, Groups: []string{group}})
		if err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, uuid)
	}
	batches, err := c.FlowStarts.StartMany(t.Context(), &FlowStartRequest{Flow: flow, Groups: []string{group}, Contacts: contacts})
	if err != nil {
		t.Fatal(err)
	}
	if len(batches) != 2 {
		t.Fatalf("%d batches, want 2", len(batches))
	}
	ours := map[string]bool{}
	for _, u := range contacts {
		ours[u] = true
	}
	perContact := map[string]int{}
	for run, err := range c.Runs.List(t.Context(), &RunListParams{Flow: flow}) {
		if err != nil {
			t.Fatal(err)
		}
		if ours[run.Contact.UUID] {
			perContact[run.Contact.UUID]++
		}
	}
	if len(perContact) != 150 {
		t.Fatalf("%d contacts started, want 150", len(perContact))
	}
	for uuid, n := range perContact {
		if n != 1 {
			t.Fatalf("contact %s started %d times", uuid, n)
		}
	}
}

func TestServerFlowStartKeepsLegacyExtra(t *testing.T) {
	t.Parallel()
	srv := testServer(t)
	flow := startFixture(t, srv)
	c := testClient(t, srv)
	req := &FlowStartRequest{Flow: flow, Groups: []string{"Nurses"}, Extra: map[string]any{"facility": "Bong"}}
	start, err := c.FlowStarts.Create(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.FlowStarts.Get(t.Context(), start.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["facility"] != "Bong" || got.Mark() == "" {
		t.Errorf("params on the server = %v, want the caller's extra and the mark", got.Params)
	}
	if req.Params != nil || len(req.Extra) != 1 {
		t.Errorf("the caller's request was changed: %+v", req)
	}
}
