package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// clearCount counts the rows of the service's tables that hold the personal numbers in clear.
func (f *fixture) clearCount(t *testing.T) int {
	t.Helper()
	var n int
	err := f.pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM organizations WHERE position($1::bytea in id_number_sealed) > 0 OR position($2::bytea in phone_sealed) > 0) +
		(SELECT count(*) FROM idempotency_keys WHERE position($1::bytea in response) > 0 OR position($2::bytea in response) > 0)`,
		[]byte(residentID), []byte(phone)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPersonalNumbersSealedAndMasked(t *testing.T) {
	f := setup(t)
	person := as("person", identity.Applicant)
	key := idempotency.Key{RequestID: "org-1", Fingerprint: []byte("zhang")}
	cmd := app.CreateOrganization{Key: key, Name: "Zhang San", Kind: domain.OrgIndividual, IDNumber: residentID, ContactPhone: phone}
	o, err := f.svc.CreateOrganization(person, cmd)
	if err != nil || o.IDNumber != residentID || o.ContactPhone != phone {
		t.Fatalf("creator sees %q %q (%v)", o.IDNumber, o.ContactPhone, err)
	}
	// The retry answers as the first call did, though the request record keeps no personal number.
	again, err := f.svc.CreateOrganization(person, cmd)
	if err != nil || !sameJSON(t, again, o) {
		t.Fatalf("retry: %+v %v, first %+v", again, err, o)
	}
	if n := f.clearCount(t); n != 0 {
		t.Fatalf("personal numbers stored in clear in %d row(s)", n)
	}

	own, err := f.svc.GetOrganization(person, o.ID)
	if err != nil || own.IDNumber != residentID {
		t.Fatalf("owner sees %q (%v)", own.IDNumber, err)
	}
	staff, err := f.svc.GetOrganization(operator, o.ID)
	if err != nil || staff.IDNumber != residentIDMasked || staff.ContactPhone != phoneMasked {
		t.Fatalf("operator sees %q %q (%v)", staff.IDNumber, staff.ContactPhone, err)
	}
	boss, _ := f.svc.GetOrganization(organizer, o.ID)
	if boss.IDNumber != residentID {
		t.Fatalf("organizer sees %q", boss.IDNumber)
	}
	if _, err := f.svc.GetOrganization(as("stranger", identity.Applicant), o.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("another applicant: %v", err)
	}
}

func TestVerifyOrganization(t *testing.T) {
	f := setup(t)
	o, err := f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Care Centre", Kind: domain.OrgSocialOrganization,
		USCC: usccCareCentre, ContactPhone: phone})
	if err != nil {
		t.Fatal(err)
	}
	key := idempotency.Key{RequestID: "verify-1", Fingerprint: []byte("verify")}
	v, err := f.svc.VerifyOrganization(operator, app.VerifyOrganization{Key: key, OrgID: o.ID, Evidence: evidence})
	if err != nil || !v.Registered || v.VerifiedBy != "operator" || v.VerificationEvidence != evidence || v.ContactPhone != phoneMasked {
		t.Fatalf("verified: %+v %v", v, err)
	}
	again, err := f.svc.VerifyOrganization(operator, app.VerifyOrganization{Key: key, OrgID: o.ID, Evidence: evidence})
	if err != nil || !sameJSON(t, again, v) {
		t.Fatalf("retry: %+v %v, first %+v", again, err, v)
	}
	// Another operator verifying again changes nothing.
	later, err := f.svc.VerifyOrganization(as("operator-2", identity.Operator), app.VerifyOrganization{OrgID: o.ID, Evidence: "another register"})
	if err != nil || later.VerifiedBy != "operator" || later.VerificationEvidence != evidence || !later.VerifiedAt.Equal(v.VerifiedAt) {
		t.Fatalf("second verification: %+v %v", later, err)
	}
	if n := f.clearCount(t); n != 0 {
		t.Fatalf("personal numbers stored in clear in %d row(s)", n)
	}

	unit, err := f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Street Committee", Kind: domain.OrgOtherUnit, USCC: usccStreetUnit})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.VerifyOrganization(operator, app.VerifyOrganization{OrgID: unit.ID, Evidence: evidence}); !errors.Is(err, domain.ErrNotSocialOrganization) {
		t.Fatalf("verifying an other unit: %v", err)
	}
}
