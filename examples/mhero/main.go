// Command mhero is the Data Manager's program for mHero workflows: check a
// workflow written in YAML, compile it to a RapidPro export to import, try
// it out offline before it reaches any health worker, and see the whole
// path (target group, contacts, start, answers) on in-process servers.
//
// Usage:
//
//	mhero validate FILE.yaml
//	mhero compile FILE.yaml [-o export.json] [--spec 13.2.0]
//	mhero simulate FILE.yaml|EXPORT.json [--reply TEXT]... [--timeout]... [--json] [--lang CODE] [--name NAME] [--flow NAME]
//	mhero demo [--workflow FILE] [--cadre CODE] [--district ID] [--workers N] [--days N] [--seed N]
//	mhero target preview|plan|sync FILE.yaml [--sandbox] [--dry-run] [--full] [--json] [--db FILE|DSN] [--rate N]
//	mhero monitor [--flow NAME|UUID] [--json] [--db FILE|DSN] [--sandbox]
//	mhero report overview|analysis|monitoring|monthly|floip [--flow NAME|UUID] [--month YYYY-MM] [-o DIR] [--show-phones] [--db FILE|DSN] [--sandbox]
//	mhero usecase new|show|list|review|test|notify|feedback|edit|request-approval|approve|activate|monitor|report|send-report|cancel|audit|register|export ... [--json] [--db FILE|DSN]
//	mhero sandbox [--workers N] [--speed X] [--director PHONE]... | advance DURATION | sms --from PHONE TEXT
//	mhero version
//	mhero help [COMMAND]
//
// FILE may also name a built-in example workflow (malaria-stock,
// idsr-weekly, training-needs, outbreak-staff), so the program works from
// any directory. Replies and timeouts are played in the order given; with
// none, simulate asks for each reply at a prompt (an empty line or /timeout
// means no reply: the question times out). simulate also runs a flow of a
// RapidPro export, within what the offline simulator supports; an export
// holding several flows needs --flow. usecase follows a use case through
// the SOP on real servers (or on mhero sandbox's, to rehearse it).
// monitor refreshes the tracked workflows' runs from RapidPro into the
// store and prints their response rates and what changed since the last
// refresh; report writes the SOP's reports from that store, offline, phone
// numbers masked. Exit
// status: 0 success, 1 invalid input or a step refused, 2 usage error, and
// for usecase 3 when a step cannot be taken yet (no reply from the
// approver, or before the approved send time).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
