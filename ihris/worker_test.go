package ihris

import (
	"slices"
	"testing"
)

func TestSelectPhones(t *testing.T) {
	t.Parallel()
	w := HealthWorker{Phones: []Phone{
		{Value: "111-111-1111", System: "phone", Use: "work", Rank: 1},
		{Value: "333-333-3333", System: "phone", Use: "work", Rank: 2},
		{Value: "0777 000 002", System: "phone", Use: "mobile"},
		{Value: "0777 000 001", System: "sms", Use: "mobile", Rank: 1},
		{Value: "0777 000 001", System: "phone", Use: "mobile", Rank: 3},
		{Value: "0666", System: "phone", Use: "old", Rank: 1},
		{Value: "  ", System: "phone", Use: "mobile", Rank: 1},
		{Value: "0555", System: "phone"},
	}}
	values := func(ps []Phone) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Value)
		}
		return out
	}
	tests := []struct {
		name string
		sel  PhoneSelection
		want []string
	}{
		{"default best", PhoneSelection{}, []string{"0777 000 001"}},
		{"default all", PhoneSelection{All: true}, []string{"0777 000 001", "0777 000 002", "0555", "111-111-1111", "333-333-3333"}},
		{"work only", PhoneSelection{Uses: []string{"work"}, All: true}, []string{"111-111-1111", "333-333-3333"}},
		{"old allowed explicitly", PhoneSelection{Uses: []string{"old"}}, []string{"0666"}},
		{"nothing acceptable", PhoneSelection{Uses: []string{"home"}}, nil},
	}
	for _, tt := range tests {
		if got := values(w.SelectPhones(tt.sel)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
	if p, ok := w.BestMobile(); !ok || p.Value != "0777 000 001" || p.System != "sms" {
		t.Errorf("BestMobile() = %+v, %v", p, ok)
	}
	if _, ok := (HealthWorker{Phones: []Phone{{Value: "1", System: "phone", Use: "work"}}}).BestMobile(); ok {
		t.Error("BestMobile found a mobile among work numbers")
	}
}

func TestDisplayNameAndCurrentRoles(t *testing.T) {
	t.Parallel()
	w := HealthWorker{
		Names: []Name{{Use: "nickname", Text: "Doc"}, {Use: "official", Given: []string{"Ama", "K."}, Family: "Mensah", Prefix: []string{"Dr"}}},
		Roles: []Role{{ID: "a", Active: true}, {ID: "b", Active: true, End: "2020-01-01"}, {ID: "c"}},
	}
	if got := w.DisplayName(); got != "Dr Ama K. Mensah" {
		t.Errorf("DisplayName() = %q", got)
	}
	if got := w.CurrentRoles(); len(got) != 1 || got[0].ID != "a" {
		t.Errorf("CurrentRoles() = %+v", got)
	}
}
