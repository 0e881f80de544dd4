// Package analytics monitors the workflows sent to health workers and
// answers the questions of the SOP's monitoring step: who responded, who
// did not and likely why (out of coverage, never answered, stopped at a
// question, may need training), which questions seem misunderstood,
// which districts answer far less, and whether response changed from one
// send to the next, with a statistical test behind every flag.
//
// A [Monitor] keeps, in the module's state database, each tracked
// workflow's runs (values, path, exit type), its flow starts and the
// delivery status of the messages sent for it, fetched from RapidPro
// incrementally: a refresh costs only what changed, and one interrupted at
// any point resumes without loss or double counting. The health-worker
// attributes it groups by (district, region, facility, cadre) are those the
// target sync recorded when the workflow reached each worker.
//
// The results ([Analysis], [Question], [Breakdown], [NonResponder], …) are
// the contract of the report writers (analytics/report) and of the mhero
// program's monitor and report commands.
package analytics
