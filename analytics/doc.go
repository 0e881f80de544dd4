// Package analytics monitors the workflows sent to health workers and
// answers the questions of the SOP's monitoring step: who responded, who
// did not and likely why (out of coverage, never answered, stopped at a
// question, may need training), which questions seem misunderstood, which
// districts answer far less, and whether response changed from one send to
// the next — with a statistical test and a plain sentence behind every
// flag.
//
//	m, err := analytics.New(ctx, db, rp.WorkspaceUUID(),
//		analytics.WithDirectory(analytics.TargetDirectory(attrs)))
//	err = m.Track(ctx, &export.Flows[0])          // or m.TrackRapidPro(ctx, rp, flowUUID)
//	refreshed, err := m.Refresh(ctx, rp)          // fetch what changed
//	a, err := m.Analyze(ctx, flowUUID, analytics.Filter{})
//	for n, err := range m.NonResponders(ctx, flowUUID, analytics.Filter{}) { … }
//
// # Refreshing
//
// A [Monitor] keeps, in the module's state database (package store:
// SQLite by default, PostgreSQL when shared), each tracked workflow's runs,
// the workspace's flow starts, and the status of the messages sent for the
// tracked workflows. [Monitor.Refresh] fetches them from RapidPro
// incrementally:
//
//   - flow starts and runs through their modified_on change feeds, oldest
//     first, from a checkpoint ([rapidpro.Checkpoint]) saved in the same
//     transaction as the rows it covers: a refresh reads only what RapidPro
//     modified since, and one cancelled or killed at any point resumes at
//     the last committed batch, without loss or double counting;
//   - messages, which RapidPro lists only newest first by creation time,
//     in sweeps down to the last sweep's mark, resumable from the page
//     cursor saved with each page; messages whose status could still change
//     (queued, wired, sent, errored) are read again by later sweeps for
//     [WithMessageSettle]. Each message is given to its run: the latest run
//     of the same flow and contact begun before it.
//
// Refreshes of one workspace take turns under a lock in the store, across
// processes too. The API requests a refresh made, by throttle scope, are
// in [Refreshed.Calls].
//
// # Who the workers were
//
// The attributes runs are grouped by (district, region, facility, cadre,
// gender) are asked of a [Directory] — usually [TargetDirectory], what the
// target sync recorded for each contact — as they were when each run
// began, and stored with the run. A contact field edited later in
// RapidPro, a transfer recorded later, or a directory rewritten later
// does not move a past answer. Runs whose contact the directory did not
// know are asked about again at each refresh.
//
// # Analyses
//
// The analyses read only the store, so reports can be written offline.
// [Monitor.Analyze] gives an [Analysis]: counts and rates ([Counts]), by
// send, week, region, district, facility, cadre and gender
// ([Breakdown]); each question's replies, Other and No Response answers,
// re-asks, distribution and median answer time ([Question]); the drop-off
// funnel; cross-tabulations by district and cadre; trends between
// consecutive sends ([Change]); the misunderstood questions and the groups
// that answer far less ([Finding], judged by two-proportion z-tests with a
// Bonferroni correction and a minimum gap, see [Thresholds]); and the
// non-responders by reason, which [Monitor.NonResponders] lists. [Monitor.Runs]
// lists the runs with their answers (CSV, FLOIP), [Monitor.Month] gives the
// monthly report across workflows.
//
// The analyses stream: one reading of a workflow's runs, keeping only
// tallies per group and per question (answer times in a histogram exact to
// the second under an hour, to the minute under a week), so memory does not
// grow with the number of runs. The run table is kept narrow for this, and
// each run's state is computed once, when it is written.
//
// # The store
//
// The package's tables, all named analytics_… (see package store for the
// dialect rules), and its cursors and lock:
//
//   - analytics_flow (id, workspace, uuid, name, tracked_on, refreshed_on,
//     messages_covered, counts): one row per tracked flow; key id, unique
//     (workspace, uuid). counts holds the [Counts] of the last refresh as
//     JSON, what the next refresh compares with; messages_covered says
//     that the message sweeps have covered the flow's whole history.
//   - analytics_question (flow_id, idx, result_key, name, text, position,
//     wait, categories, shown, nodes, other, timeout, answer_type,
//     answer_min, answer_max): a flow's results;
//     key (flow_id, idx). idx is fixed for good (runs refer to it);
//     position is the place in the current definition. categories (JSON)
//     only grows, runs referring to its indexes; shown is the current
//     definition's categories; nodes the nodes that save the result; other
//     and timeout name the categories of replies that fit no case and of
//     timed-out waits; answer_type, answer_min and answer_max the kind of
//     reply the router tests for ([Question.Type]).
//   - analytics_node (flow_id, idx, uuid): the nodes runs' paths refer to.
//   - analytics_send (id, workspace, uuid, flow_uuid, status, groups,
//     contacts, created_on, modified_on): the workspace's flow starts, and
//     the starts named by runs that the flow_starts endpoint does not list
//     (keyword triggers: status ""); unique (workspace, uuid).
//   - analytics_worker (id, fingerprint, ihris_id, name, gender,
//     facility_id, facility, district_id, district, region_id, region,
//     cadre, cadre_name): one row per set of worker attributes met (a
//     worker who moved has two), never changed once written; unique
//     fingerprint.
//   - analytics_run (id, flow_id, send_id, worker_id, created_on,
//     exit_type, responded, out_msgs, out_failed, answered, misfits,
//     replied, stop_q, answered_all, state, facts): one row per run, what
//     the analyses read. send_id and worker_id are 0 when none or unknown;
//     out_msgs and out_failed count the run's outgoing messages and those
//     failed or errored; answered, misfits and replied (bit masks of
//     question idx), stop_q and answered_all are computed from the facts
//     when the run is written, and state packs them with the exit type
//     into one integer for the analyses to read; facts is the run's
//     answers in short text (question idx, category index, times asked,
//     seconds to reply: see facts.go).
//   - analytics_run_detail (id, uuid, flow_id, contact_uuid, urn, name,
//     created_on, modified_on, exited_on, results, path): the rest of each
//     run, same id; unique uuid; indexed by (flow_id, contact_uuid,
//     created_on) to give messages to runs. results holds the values
//     (question idx, time, value), path the nodes visited (node idx, time).
//   - analytics_message (uuid, flow_id, contact_uuid, run_id, direction,
//     status, created_on, modified_on): the messages of tracked flows.
//   - analytics_workspace (workspace, timezone): the IANA time zone
//     RapidPro reports for the workspace, as last read ([Monitor.Location]).
//
// Cursors: analytics/starts/<workspace> and analytics/runs/<workspace>/<flow
// uuid> (a [rapidpro.Checkpoint] as JSON), analytics/messages/<workspace>
// (the sweeps' state). Lock: analytics/refresh/<workspace>.
package analytics
