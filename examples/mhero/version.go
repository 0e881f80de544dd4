package main

import (
	"fmt"
	"runtime"
	"strings"
)

func runVersion(e *env, args []string) int {
	fs := e.newFlagSet("version")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "mhero version: unexpected argument %q\n", pos[0])
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	info, ok := e.buildInfo()
	if !ok {
		// A binary built without module support: only the toolchain is known.
		fmt.Fprintf(e.stdout, "mhero (unknown version)\ngo:       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	}
	version := info.Main.Version
	if version == "" || version == "(devel)" {
		// go run and go build of a checkout without a tag say "(devel)".
		version = "(devel)"
	}
	fmt.Fprintf(e.stdout, "mhero %s\n", version)
	if info.Main.Path != "" {
		fmt.Fprintf(e.stdout, "module:   %s\n", info.Main.Path)
	}
	settings := map[string]string{"GOOS": runtime.GOOS, "GOARCH": runtime.GOARCH}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	fmt.Fprintf(e.stdout, "go:       %s %s/%s\n", info.GoVersion, settings["GOOS"], settings["GOARCH"])
	if rev := settings["vcs.revision"]; rev != "" {
		var notes []string
		if t := settings["vcs.time"]; t != "" {
			notes = append(notes, t)
		}
		if settings["vcs.modified"] == "true" {
			notes = append(notes, "with uncommitted changes")
		}
		line := rev
		if len(notes) > 0 {
			line += " (" + strings.Join(notes, ", ") + ")"
		}
		fmt.Fprintf(e.stdout, "revision: %s\n", line)
	}
	return exitOK
}
