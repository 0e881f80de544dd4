// Package usecase runs a use case through mHero's Standard Operating
// Procedure, so that no workflow reaches health workers without the
// approval of the right person for exactly the content, target and cost
// that were approved.
//
// A unit's request is a [Form] (the Use Case Request Form, in YAML or Go:
// see [ParseForm]): title, requesting unit and its Director, purpose,
// Requestor, approver, Target Group (package target), the workflow
// (package workflow), follow-up, requested send date. A [Manager] records
// it and takes it through the SOP's steps, each allowed only in order
// (see [State] and [CanMove]):
//
//	requested → reviewed → in development → simulated → tested on the
//	Data Manager's phone → Requestor notified → tested on the Requestor's
//	phone → accepted → approval requested → approved → active →
//	monitoring → reported
//
// or cancelled at any point with a reason. Feedback asking for changes,
// and any edit of the workflow, the target or the send plan ([Manager.Edit]
// makes a new [Version]), send it back to development: the tests start
// again, and an approval of an earlier version is void.
//
// # Tests that reach only the test phones
//
// [Manager.Simulate] plays conversations in the offline simulator, keeps
// their [Transcript]s and reports the flow's path [Coverage]: every
// category of every question, retry and skip, and every exit, taken or
// never tried. [Manager.TestOnPhone] then starts the flow for one URN, the
// Data Manager's or the Requestor's phone, and nothing else: the start is
// built in one place that cannot name a group or another number. The
// Requestor is told a test is coming in one SMS ([Manager.Notify]).
//
// # The approval gate
//
// An approval is bound to a hash ([Binding]) of the compiled RapidPro
// export (every question, translation, category and follow-up), the
// target's definition and the send window. [Manager.RequestApproval]
// shows the Director what they approve ([ApprovalRequest]: the questions,
// the health workers reached, the cost in SMS parts — GSM-7 or UCS-2, see
// [Segment] — on the expected and the longest path, and what changed since
// a version approved before), and sends the approver's registered phone a
// one-time code. [Manager.CheckApproval] reads the reply back through the
// RapidPro API: only a reply from that phone counts, any other is refused
// and recorded. A scan of the initialled request is the other evidence
// ([Manager.ApproveWithScan]). The approver is never the Data Manager, and
// is the Director of the requesting unit unless the Requestor is the
// Director ([CheckApprover]).
//
// [Manager.Activate] refuses without a valid approval — recomputing the
// binding from the content as stored, and checking that the flow in
// RapidPro is the approved one ([Fingerprint]) — then syncs the target
// group and starts the flow exactly once, at the approved time or at once:
// the start carries a mark recorded before it is sent, so an activation
// killed midway and run again finds it rather than sending it twice.
//
// # Monitoring and reporting
//
// [Manager.Monitor] refreshes package analytics for the use case's flow
// and records the headline numbers ([Headline]: reached, responded,
// delivered, failed) of the activation's send — never of the test sends —
// in the record and the audit log; it may run as often as wanted.
// [Manager.Report] writes the Use Case Overview Report, the Analysis
// Report and the Monitoring Tool (package analytics/report) into a
// directory and records each file's SHA-256. [Manager.SendReport] sends
// the Overview Report to the Requestor, which closes the use case: it
// checks the files are still the ones recorded, sends the Requestor one
// SMS saying the report is ready and where it is, and records that
// delivery. An SMS cannot carry a file: the files themselves go by the
// channel the Data Manager names (e-mail, a shared folder).
//
// # The audit log
//
// Every step is recorded with who, when and why in an append-only log
// ([Entry]) whose entries are chained by hash: [Manager.Verify] finds an
// entry changed, deleted or inserted, and a state changed behind the
// log's back. [Manager.WriteRegister] writes the Use Case Planning,
// Implementation and Monitoring Tool, an Excel register of every use case.
//
// # The store
//
// The caller opens the module's state database (SQLite, or PostgreSQL
// when several Data Managers share it) and hands it to [New], which
// creates the package's tables, all prefixed usecase_ (see [Migrate]).
package usecase
