package rapidprotest_test

import (
	"testing"

	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

func TestSetContactStatusLeavesGroups(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	g, err := srv.AddGroup("Nurses", "")
	if err != nil {
		t.Fatal(err)
	}
	uuid, err := srv.AddContact(rapidprotest.ContactSpec{Name: "Ama", URNs: []string{"tel:+231770000001"}, Groups: []string{g}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetContactStatus(uuid, "stopped"); err != nil {
		t.Fatal(err)
	}
	_, _, body := call(t, srv, "GET", "contacts.json?uuid="+uuid, nil)
	c := body.(object)["results"].([]any)[0].(object)
	if c["status"] != "stopped" || len(c["groups"].([]any)) != 0 {
		t.Errorf("stopped contact: status %v, groups %v; want stopped and no group", c["status"], c["groups"])
	}
	// The API cannot add it back while it is stopped.
	status, _, _ := call(t, srv, "POST", "contact_actions.json", object{"contacts": []string{uuid}, "action": "add", "group": g})
	if status != 400 {
		t.Errorf("adding a stopped contact to a group: %d, want 400", status)
	}
	if err := srv.SetContactStatus(uuid, "gone"); err == nil {
		t.Error("an unknown status was accepted")
	}
	if err := srv.SetContactStatus("00000000-0000-4000-8000-000000000000", "stopped"); err == nil {
		t.Error("an unknown contact was accepted")
	}
}
