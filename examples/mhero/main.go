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
//	mhero version
//	mhero help [COMMAND]
//
// FILE may also name a built-in example workflow (malaria-stock,
// idsr-weekly, training-needs, outbreak-staff), so the program works from
// any directory. Replies and timeouts are played in the order given; with
// none, simulate asks for each reply at a prompt (an empty line or /timeout
// means no reply: the question times out). simulate also runs a flow of a
// RapidPro export, within what the offline simulator supports; an export
// holding several flows needs --flow. Exit status: 0 success, 1 invalid
// input, 2 usage error.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
