package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// runDemo runs the SOP's path end to end on the in-process servers: pick a
// target group in iHRIS, make them RapidPro contacts in a group, compile and
// import a workflow, start it, let simulated health workers answer over
// simulated days, and report who answered and what.
func runDemo(e *env, args []string) int {
	fs := e.newFlagSet("demo")
	wfFile := fs.String("workflow", "malaria-stock", "the workflow to send: a file, or a built-in example ("+strings.Join(workflows.Names(), ", ")+")")
	cadre := fs.String("cadre", "nurse", "the cadre to target (ihris-cadre code)")
	district := fs.String("district", "", "the iHRIS Location id of the district (default: the largest)")
	workers := fs.Int("workers", 5000, "health workers in the generated registry")
	seed := fs.Uint64("seed", 1, "seed of the generated registry and the health workers' behaviour")
	days := fs.Int("days", 4, "simulated days to wait for answers (the example workflow expires after 3)")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "mhero demo: unexpected argument %q\n", pos[0])
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	switch {
	case *workers < 1 || *workers > 1_000_000:
		fmt.Fprintf(e.stderr, "mhero demo: --workers %d: want 1 to 1000000 health workers\n", *workers)
		return exitUsage
	case *days < 1:
		fmt.Fprintf(e.stderr, "mhero demo: --days %d: want at least 1 day\n", *days)
		return exitUsage
	}
	w, ok := e.load(*wfFile)
	if !ok {
		return exitInvalid
	}
	ctx := context.Background()
	if err := demo(ctx, e, w, demoConfig{cadre: *cadre, district: *district, workers: *workers, seed: *seed, wait: time.Duration(*days) * 24 * time.Hour}); err != nil {
		fmt.Fprintf(e.stderr, "mhero demo: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

type demoConfig struct {
	cadre, district string
	workers         int
	seed            uint64
	wait            time.Duration
}

func demo(ctx context.Context, e *env, w *workflow.Workflow, cfg demoConfig) error {
	out := e.stdout
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: cfg.workers, Seed: cfg.seed}, Seed: cfg.seed})
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintf(out, "Sandbox: iHRIS at %s with %d health workers; RapidPro at %s\n\n", sb.IHRIS.URL(), cfg.workers, sb.RapidPro.URL())

	// 1. The target group, from the registry.
	fc, err := fhir.NewClient(sb.IHRIS.URL())
	if err != nil {
		return err
	}
	reg, err := ihris.NewRegistry(fc)
	if err != nil {
		return err
	}
	places, err := reg.Places(ctx)
	if err != nil {
		return err
	}
	if cfg.district == "" {
		cfg.district = largest(sb.IHRIS.Truth().ByDistrict)
	}
	area, ok := places.Get(cfg.district)
	if !ok {
		return fmt.Errorf("no Location %q in iHRIS", cfg.district)
	}
	crit := ihris.Criteria{Places: []string{area.ID}, Cadres: []string{cfg.cadre}}
	fmt.Fprintf(out, "1. Target group: %s in %s %s (iHRIS criteria: %s)\n", cfg.cadre, area.LevelName, area.Name, crit)
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mhero-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := openStore(ctx, filepath.Join(dir, "mhero.db"))
	if err != nil {
		return err
	}
	defer db.Close()
	syncer, err := target.New(ctx, reg, rp, db)
	if err != nil {
		return err
	}
	g := target.Group{Name: fmt.Sprintf("%s - %s %s", w.Name, area.Name, cfg.cadre), Country: "LR", Criteria: crit}
	pv, err := syncer.Preview(ctx, g)
	if err != nil {
		return err
	}
	reasons := map[string]int{}
	for _, sk := range pv.Unreachable {
		reasons[string(sk.Reason)]++
	}
	fmt.Fprintf(out, "   %d health workers selected, %d reachable", pv.Selected, pv.Reachable)
	if len(reasons) > 0 {
		fmt.Fprintf(out, "; not reachable: %s", counts(reasons))
	}
	fmt.Fprintln(out)
	for _, sk := range pv.Unreachable {
		fmt.Fprintf(out, "   not sent to %s\n", sk)
	}
	if pv.Reachable == 0 {
		return errors.New("nobody to send to")
	}

	// 2. Contacts and a group in RapidPro, through the target package: one
	// contact per worker, fields created, the group created and filled
	// 100 contacts a request.
	sum, err := syncer.Sync(ctx, g, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "2. RapidPro: %d contacts in group %q (%d created; API calls: %s)\n", sum.Reachable, sum.Group, sum.Created, scopes(sum.Calls))

	// 3. The workflow: compiled, then imported as through Settings → Import.
	exp, err := workflow.Compile(w)
	if err != nil {
		return err
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		return err
	}
	flows, err := sb.RapidPro.ImportFlows(data)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "3. Workflow %q: %d questions, languages %s, imported as flow %s\n",
		w.Name, len(w.Questions), strings.Join(w.Languages(), ", "), flows[0])

	// 4. Start it, once.
	start, err := rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: flows[0], Groups: []string{sum.GroupUUID},
		RestartParticipants: rapidpro.Ptr(false)})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "4. Flow start %s for the group\n", start.UUID)

	// 5. Fieldwork, in simulated time.
	st, err := sb.Settle(ctx, cfg.wait)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "5. %s of simulated fieldwork: %d replies received, %d questions timed out\n\n", days(cfg.wait), st.Replies, st.Timeouts)

	// 6. Monitoring: runs and failed messages, read back through the API.
	exits := map[string]int{}
	results := map[string]map[string]int{}
	responded := 0
	runs := 0
	for r, err := range rp.Runs.List(ctx, &rapidpro.RunListParams{Flow: flows[0], WithoutPaths: true}) {
		if err != nil {
			return err
		}
		runs++
		if r.Responded {
			responded++
		}
		exits[cmp.Or(r.ExitType, "waiting")]++
		for k, v := range r.Values {
			if results[k] == nil {
				results[k] = map[string]int{}
			}
			results[k][v.Category]++
		}
	}
	failed := map[string]bool{}
	for m, err := range rp.Messages.List(ctx, &rapidpro.MessageListParams{Folder: "failed"}) {
		if err != nil {
			return err
		}
		failed[m.Contact.UUID] = true
	}
	fmt.Fprintf(out, "Runs: %d (%s)\n", runs, counts(exits))
	fmt.Fprintf(out, "Response rate: %d of %d (%.0f%%); out of coverage (messages failed): %d\n",
		responded, runs, 100*float64(responded)/float64(max(runs, 1)), len(failed))
	fmt.Fprintln(out, "Answers:")
	for _, q := range w.Questions {
		if c := results[q.Result]; c != nil {
			fmt.Fprintf(out, "  %-22s %s\n", q.Result, counts(c))
		}
	}
	return nil
}

// counts formats a tally as "a 3, b 2", largest first.
func counts(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// largest returns the key with the largest count (the smallest key on ties).
func largest(m map[string]int) string {
	best := ""
	for k, n := range m {
		if best == "" || n > m[best] || n == m[best] && k < best {
			best = k
		}
	}
	return best
}

// days formats d as whole days when it is a number of days.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "1 day", fmt.Sprintf("%d days", d/(24*time.Hour)))
	}
	return d.String()
}
