// Command mhero is the Data Manager's program for mHero workflows: check a
// workflow written in YAML, compile it to a RapidPro export to import, and
// try it out offline before it reaches any health worker.
//
// Usage:
//
//	mhero validate FILE.yaml
//	mhero compile FILE.yaml [-o export.json] [--spec 13.2.0]
//	mhero simulate FILE.yaml|EXPORT.json [--reply TEXT]... [--timeout]... [--json] [--lang CODE] [--name NAME] [--flow NAME]
//
// Replies and timeouts are played in the order given; with none, simulate
// asks for each reply at a prompt (an empty line or /timeout lets the
// question time out). simulate also runs the flows of a RapidPro export,
// within what the offline simulator supports. Exit status: 0 success, 1 invalid input, 2 usage error.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
