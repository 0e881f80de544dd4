package flow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
)

func fixtureFiles(t *testing.T) []string {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "flows")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture flows in %s: %v", dir, err)
	}
	return files
}

func TestRoundTripFixtures(t *testing.T) {
	t.Parallel()
	for _, path := range fixtureFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			exp, err := flow.ParseExport(data)
			if err != nil {
				t.Fatalf("ParseExport: %v", err)
			}
			out, err := flow.MarshalExport(exp)
			if err != nil {
				t.Fatalf("MarshalExport: %v", err)
			}
			var want, got any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip changed the export (-read +written):\n%s", diff)
			}
			again, err := flow.ParseExport(out)
			if err != nil {
				t.Fatalf("re-reading: %v", err)
			}
			out2, err := flow.MarshalExport(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, out2) {
				t.Error("writing the re-read export gave different bytes")
			}
		})
	}
}

func TestParseErrorsArePositioned(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc      string
		line, col      int
		path, contains string
	}{
		{"syntax", "{\n  \"version\": \"13\",\n  \"flows\": [,]\n}", 3, 13, "", "invalid character"},
		{"truncated", "{\"version\": \"13\"", 1, 17, "", "unexpected end"},
		{"wrong type", "{\n  \"flows\": [\n    {\"uuid\": 7}\n  ]\n}", 3, 14, "flows[0].uuid", "got a number, want a string"},
		{"action without type", "{\"flows\": [{\"nodes\": [{\"uuid\": \"n\", \"actions\": [{\"uuid\": \"a\"}]}]}]}", 1, 49, "flows[0].nodes[0].actions[0].type", "needs a type"},
		{"not an object", "[1, 2]", 1, 1, "", "want an object"},
		{"bad version", "{\"version\": true}", 1, 13, "version", "want a string or a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := flow.ParseExport([]byte(tt.doc))
			var fe *flow.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T) is not a *flow.Error", err, err)
			}
			if fe.Line != tt.line || fe.Column != tt.col || fe.Path != tt.path || !bytes.Contains([]byte(fe.Msg), []byte(tt.contains)) {
				t.Errorf("got %d:%d path %q msg %q, want %d:%d path %q msg containing %q", fe.Line, fe.Column, fe.Path, fe.Msg, tt.line, tt.col, tt.path, tt.contains)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"version": 13, "flows": [{"uuid": "u", "nodes": [{"uuid": "n", "actions": [{"type": "send_msg", "text": "hi"}], "exits": [{"uuid": "e", "destination_uuid": null}]}]}]}`))
	f.Add([]byte(`{"version": "11.12", "flows": [], "triggers": [{"trigger_type": "K", "keyword": "x", "channel": null}]}`))
	f.Add([]byte(`{"flows": [{"nodes": [{"router": {"type": "switch", "cases": [{"arguments": [1]}]}}]}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		exp, err := flow.ParseExport(data)
		if err != nil {
			var fe *flow.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not positioned", err)
			}
			return
		}
		out, err := flow.MarshalExport(exp)
		if err != nil {
			return // e.g. an action whose type was emptied; reading succeeded
		}
		if !json.Valid(out) {
			t.Fatalf("MarshalExport wrote invalid JSON: %s", out)
		}
	})
}
