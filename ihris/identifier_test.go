package ihris_test

import (
	"context"
	"testing"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
)

func TestSetIdentifierKeepsTheRestAndWritesOnce(t *testing.T) {
	t.Parallel()
	srv := ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: 3, Workers: 20}))
	defer srv.Close()
	reg := newRegistry(t, srv)
	ctx := context.Background()
	before, err := reg.Worker(ctx, "P000001")
	if err != nil {
		t.Fatal(err)
	}
	const uuid = "d33e9ad5-5c35-414e-abd4-e7451c69ff1d"
	if err := reg.SetIdentifier(ctx, "P000001", ihris.ContactUUIDSystem, uuid); err != nil {
		t.Fatal(err)
	}
	after, err := reg.Worker(ctx, "P000001")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := after.Identifier(ihris.ContactUUIDSystem); got != uuid {
		t.Errorf("contact UUID identifier = %q, want %q", got, uuid)
	}
	if len(after.Identifiers) != len(before.Identifiers)+1 || after.DisplayName() != before.DisplayName() || len(after.Phones) != len(before.Phones) {
		t.Errorf("other elements changed: before %+v, after %+v", before, after)
	}
	// The same value again writes nothing; a new one replaces it.
	if err := reg.SetIdentifier(ctx, "P000001", ihris.ContactUUIDSystem, uuid); err != nil {
		t.Fatal(err)
	}
	again, _ := reg.Worker(ctx, "P000001")
	if again.VersionID != after.VersionID {
		t.Errorf("writing the same value made version %s (was %s)", again.VersionID, after.VersionID)
	}
	const other = "5b0c54c6-0c1f-4a53-9d49-8d6a5e3c7e2b"
	if err := reg.SetIdentifier(ctx, "P000001", ihris.ContactUUIDSystem, other); err != nil {
		t.Fatal(err)
	}
	last, _ := reg.Worker(ctx, "P000001")
	if got, _ := last.Identifier(ihris.ContactUUIDSystem); got != other || len(last.Identifiers) != len(after.Identifiers) {
		t.Errorf("replacing: identifiers %+v", last.Identifiers)
	}
	if err := reg.SetIdentifier(ctx, "P999999", ihris.ContactUUIDSystem, uuid); err == nil {
		t.Error("an unknown practitioner was accepted")
	}
}
