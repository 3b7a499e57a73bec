package domain

import (
	"testing"
	"time"
)

func TestErase(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	individual := Organization{ID: "o1", Name: "张三", Kind: OrgIndividual, IDNumber: "990101198001010014", ContactPhone: "13912345678"}
	r := individual.ErasureReplacements()
	want := map[string]string{"张三": ErasedName, "990101198001010014": "", "990101********0014": "", "13912345678": "", "139****5678": ""}
	if len(r) != len(want) {
		t.Fatalf("replacements %v, want %v", r, want)
	}
	for k, v := range want {
		if got, ok := r[k]; !ok || got != v {
			t.Errorf("replacement of %q = %q, %v; want %q", k, got, ok, v)
		}
	}
	if n := len(individual.PersonalValues()); n != 3 {
		t.Errorf("an individual has %d personal values, want name, ID number and phone", n)
	}
	o := individual
	if n := o.Erase(now); n != 3 || o.Name != ErasedName || o.IDNumber != "" || o.ContactPhone != "" || !o.Erased() || !o.ErasedAt.Equal(now) {
		t.Fatalf("erased %d: %+v", n, o)
	}
	if n := o.Erase(now.Add(time.Hour)); n != 0 || !o.ErasedAt.Equal(now) {
		t.Errorf("erasing again removed %d values and moved the time to %v", n, o.ErasedAt)
	}
	if len(o.PersonalValues()) != 0 || len(o.ErasureReplacements()) != 0 {
		t.Errorf("an erased organisation still has personal values: %v %v", o.PersonalValues(), o.ErasureReplacements())
	}

	unit := Organization{ID: "o2", Name: "Care Centre", Kind: OrgSocialOrganization, USCC: "91999999MA0000001N", ContactPhone: "13812345678"}
	if _, ok := unit.ErasureReplacements()["Care Centre"]; ok {
		t.Error("a unit's name is replaced")
	}
	if n := unit.Erase(now); n != 1 || unit.Name != "Care Centre" || unit.USCC == "" || unit.ContactPhone != "" {
		t.Errorf("erased unit (%d): %+v", n, unit)
	}
}
