package ihris

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mhero-go/mhero/fhir"
)

// SetIdentifier records value as the worker's identifier of the given
// system (for example the RapidPro contact UUID under [ContactUUIDSystem],
// as mHero v2 did), replacing the value it had and leaving everything else
// of the Practitioner as stored. Nothing is written when the worker already
// has that value. The update is conditional on the version read, and read
// again when someone else wrote the Practitioner meanwhile, so no edit made
// in iHRIS is lost.
func (r *Registry) SetIdentifier(ctx context.Context, practitionerID, system, value string) error {
	if practitionerID == "" || system == "" || value == "" {
		return errors.New("ihris: SetIdentifier needs a practitioner id, a system and a value")
	}
	for attempt := 0; ; attempt++ {
		res, _, err := r.client.Read(ctx, "Practitioner", practitionerID)
		if err != nil {
			return fmt.Errorf("ihris: reading Practitioner/%s: %w", practitionerID, err)
		}
		var doc map[string]any
		if err := json.Unmarshal(res.Raw(), &doc); err != nil {
			return fmt.Errorf("ihris: Practitioner/%s: %w", practitionerID, err)
		}
		ids, _ := doc["identifier"].([]any)
		found := false
		for _, raw := range ids {
			id, ok := raw.(map[string]any)
			if !ok || id["system"] != system {
				continue
			}
			if id["value"] == value {
				return nil
			}
			id["value"], found = value, true
			break
		}
		if !found {
			ids = append(ids, map[string]any{"system": system, "value": value})
		}
		doc["identifier"] = ids
		data, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		upd, err := fhir.ParseResource(data)
		if err != nil {
			return err
		}
		_, _, err = r.client.Update(ctx, upd, fhir.WithIfMatch(res.VersionID()))
		if (errors.Is(err, fhir.ErrPreconditionFailed) || errors.Is(err, fhir.ErrConflict)) && attempt < 3 {
			continue // written meanwhile: read it again
		}
		if err != nil {
			return fmt.Errorf("ihris: writing identifier %s to Practitioner/%s: %w", system, practitionerID, err)
		}
		return nil
	}
}
