package domain

import (
	"testing"
	"time"
)

func TestDonorErase(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	person := Donor{ID: "d1", Name: "王芳", Kind: DonorIndividual, IDNumber: "990101198001010305", ContactPhone: "13712345678"}
	r := person.ErasureReplacements()
	want := map[string]string{"王芳": ErasedName, "990101198001010305": "", "990101********0305": "", "13712345678": "", "137****5678": ""}
	if len(r) != len(want) {
		t.Fatalf("replacements %v, want %v", r, want)
	}
	for k, v := range want {
		if got, ok := r[k]; !ok || got != v {
			t.Errorf("replacement of %q = %q, %v; want %q", k, got, ok, v)
		}
	}
	if n := len(person.PersonalValues()); n != 3 {
		t.Errorf("a person has %d personal values, want name, ID number and phone", n)
	}
	d := person
	if n := d.Erase(now); n != 3 || d.Name != ErasedName || d.IDNumber != "" || d.ContactPhone != "" || !d.Erased() || !d.ErasedAt.Equal(now) {
		t.Fatalf("erased %d: %+v", n, d)
	}
	if n := d.Erase(now.Add(time.Hour)); n != 0 || !d.ErasedAt.Equal(now) {
		t.Errorf("erasing again removed %d values and moved the time to %v", n, d.ErasedAt)
	}
	if len(d.PersonalValues()) != 0 || len(d.ErasureReplacements()) != 0 {
		t.Errorf("an erased donor still has personal values")
	}

	company := Donor{ID: "d2", Name: "Weinan Cement Co.", Kind: DonorEnterprise, USCC: "91999999MA00000330", ContactPhone: "13912345678"}
	if n := company.Erase(now); n != 1 || company.Name != "Weinan Cement Co." || company.USCC == "" || company.ContactPhone != "" {
		t.Errorf("erased enterprise (%d): %+v", n, company)
	}
}
