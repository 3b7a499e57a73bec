package domain

import (
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/errs"
)

// Every identifier below is made up. They use the unassigned region codes 999999 (USCC) and 990101
// (resident ID), so none can belong to a real organisation or person.
//
// Hand check, USCC "51999999000000001" + ?: values 5,1,9,9,9,9,9,9,0×8,1 with weights
// 1,3,9,27,19,26,16,17,…,28: 5+3+81+243+171+234+144+153+28 = 1062; 1062 mod 31 = 8;
// (31-8) mod 31 = 23 → charset[23] = 'P'.
// Hand check, USCC "91999999MA0000000" + ? = 'K' (worked in pkg/cnid's tests).
// Hand check, resident ID "99010119900109123" + ?: digits × weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2
// = 63+81+0+5+0+4+2+9+54+0+0+9+0+45+8+8+6 = 294; 294 mod 11 = 8 → "10X98765432"[8] = '4'.
// Hand check, resident ID "99010119900118123" + ?: 63+81+5+4+2+9+54+9+10+40+8+8+6 = 299;
// 299 mod 11 = 2 → 'X'.
const (
	socialUSCC    = "51999999000000001P"
	otherUnitUSCC = "91999999MA0000000K"
	idNumber      = "990101199001091234"
	idNumberX     = "99010119900118123X"
	phone         = "13812345678"
)

// The hand-computed fixtures agree with pkg/cnid.
func TestIdentifierFixtures(t *testing.T) {
	for _, u := range []string{socialUSCC, otherUnitUSCC} {
		c, err := cnid.USCCCheckChar(u[:17])
		if err != nil || c != u[17] {
			t.Errorf("USCC check of %s = %q, %v", u, c, err)
		}
	}
	for _, id := range []string{idNumber, idNumberX} {
		c, err := cnid.ResidentIDCheckChar(id[:17])
		if err != nil || c != id[17] {
			t.Errorf("resident ID check of %s = %q, %v", id, c, err)
		}
	}
}

// wrongCheck replaces the last character of a valid identifier by another valid-looking one.
func wrongCheck(s string, alt byte) string { return s[:len(s)-1] + string(alt) }

func TestNewOrganization(t *testing.T) {
	tests := []struct {
		name                string
		oname               string
		kind                OrgKind
		uscc, id, phone     string
		want                want
		wantUSCC, wantID    string
		wantName, wantPhone string
	}{
		{name: "social organisation", oname: "临渭区阳光社工服务中心", kind: OrgSocialOrganization, uscc: socialUSCC, phone: phone,
			wantName: "临渭区阳光社工服务中心", wantUSCC: socialUSCC, wantPhone: phone},
		{name: "social organisation, code normalised", oname: "  阳光  ", kind: OrgSocialOrganization,
			uscc: " 51999999000000001p ", phone: " 13812345678 ",
			wantName: "阳光", wantUSCC: socialUSCC, wantPhone: phone},
		{name: "other unit", oname: "某公司", kind: OrgOtherUnit, uscc: otherUnitUSCC,
			wantName: "某公司", wantUSCC: otherUnitUSCC},
		{name: "individual", oname: "张三", kind: OrgIndividual, id: idNumber, phone: phone,
			wantName: "张三", wantID: idNumber, wantPhone: phone},
		{name: "individual, lower-case x", oname: "李四", kind: OrgIndividual, id: "99010119900118123x",
			wantName: "李四", wantID: idNumberX},
		{name: "no phone is fine", oname: "n", kind: OrgSocialOrganization, uscc: socialUSCC,
			wantName: "n", wantUSCC: socialUSCC},

		{name: "empty name", oname: "  ", kind: OrgSocialOrganization, uscc: socialUSCC,
			want: want{reason: "NAME_REQUIRED", field: "name"}},
		{name: "unknown kind", oname: "n", kind: "COMPANY", uscc: socialUSCC,
			want: want{reason: "INVALID_ORGANIZATION_KIND", field: "kind"}},
		{name: "social organisation without USCC", oname: "n", kind: OrgSocialOrganization,
			want: want{reason: "USCC_REQUIRED", field: "uscc"}},
		{name: "other unit without USCC", oname: "n", kind: OrgOtherUnit, id: idNumber,
			want: want{reason: "USCC_REQUIRED", field: "uscc"}},
		{name: "USCC with wrong check character", oname: "n", kind: OrgSocialOrganization, uscc: wrongCheck(socialUSCC, 'Q'),
			want: want{reason: "INVALID_USCC_CHECK_CHARACTER", field: "uscc"}},
		{name: "other unit USCC with wrong check character", oname: "n", kind: OrgOtherUnit, uscc: wrongCheck(otherUnitUSCC, '0'),
			want: want{reason: "INVALID_USCC_CHECK_CHARACTER", field: "uscc"}},
		{name: "USCC too short", oname: "n", kind: OrgSocialOrganization, uscc: socialUSCC[:17],
			want: want{reason: "INVALID_USCC", field: "uscc"}},
		{name: "USCC with letter I", oname: "n", kind: OrgSocialOrganization, uscc: "51999999I00000001P",
			want: want{reason: "INVALID_USCC", field: "uscc"}},
		{name: "individual without ID number", oname: "n", kind: OrgIndividual, phone: phone,
			want: want{reason: "ID_NUMBER_REQUIRED", field: "id_number"}},
		{name: "individual with only a USCC", oname: "n", kind: OrgIndividual, uscc: socialUSCC,
			want: want{reason: "ID_NUMBER_REQUIRED", field: "id_number"}},
		{name: "ID number with wrong check digit", oname: "n", kind: OrgIndividual, id: wrongCheck(idNumber, '5'),
			want: want{reason: "INVALID_ID_NUMBER_CHECK_CHARACTER", field: "id_number"}},
		{name: "ID number with X instead of digit", oname: "n", kind: OrgIndividual, id: wrongCheck(idNumber, 'X'),
			want: want{reason: "INVALID_ID_NUMBER_CHECK_CHARACTER", field: "id_number"}},
		{name: "ID number with impossible birth date", oname: "n", kind: OrgIndividual, id: "990101199002301234",
			want: want{reason: "INVALID_ID_NUMBER", field: "id_number"}},
		{name: "ID number of 15 digits", oname: "n", kind: OrgIndividual, id: "990101900109123",
			want: want{reason: "INVALID_ID_NUMBER", field: "id_number"}},
		{name: "phone starting 12", oname: "n", kind: OrgSocialOrganization, uscc: socialUSCC, phone: "12812345678",
			want: want{reason: "INVALID_PHONE", field: "contact_phone"}},
		{name: "phone too short", oname: "n", kind: OrgIndividual, id: idNumber, phone: "1381234567",
			want: want{reason: "INVALID_PHONE", field: "contact_phone"}},
		{name: "phone with country code", oname: "n", kind: OrgIndividual, id: idNumber, phone: "+8613812345678",
			want: want{reason: "INVALID_PHONE", field: "contact_phone"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewOrganization(tc.oname, tc.kind, tc.uscc, tc.id, tc.phone)
			checkErr(t, err, tc.want)
			if err != nil {
				return
			}
			if o.Name != tc.wantName || o.Kind != tc.kind || o.USCC != tc.wantUSCC || o.IDNumber != tc.wantID || o.ContactPhone != tc.wantPhone {
				t.Errorf("organisation = %+v", o)
			}
			if o.Registered || !o.VerifiedAt.IsZero() {
				t.Errorf("a new organisation is already verified: %+v", o)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t1 := t0.Add(time.Hour)
	t2 := t0.Add(2 * time.Hour)
	tests := []struct {
		name         string
		org          Organization
		want         want
		wantVerified time.Time
		wantBy       string
		wantReg      bool
	}{
		{"social organisation", Organization{ID: "o1", Kind: OrgSocialOrganization}, want{}, t1, "operator-1", true},
		{"already verified keeps the first time and operator", Organization{ID: "o1", Kind: OrgSocialOrganization, Registered: true, VerifiedAt: t0, VerifiedBy: "operator-0"},
			want{}, t0, "operator-0", true},
		{"other unit", Organization{ID: "o2", Kind: OrgOtherUnit},
			want{is: ErrNotSocialOrganization, reason: "NOT_A_SOCIAL_ORGANIZATION"}, time.Time{}, "", false},
		{"individual", Organization{ID: "o3", Kind: OrgIndividual}, want{is: ErrNotSocialOrganization}, time.Time{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.org
			checkErr(t, o.Verify(t1, "operator-1", " 市民政局社会组织登记档案，登记证号 渭民证字第001号 "), tc.want)
			if o.Registered != tc.wantReg || !o.VerifiedAt.Equal(tc.wantVerified) || o.VerifiedBy != tc.wantBy {
				t.Errorf("after Verify: registered %v at %v by %q; want %v at %v by %q", o.Registered, o.VerifiedAt, o.VerifiedBy, tc.wantReg, tc.wantVerified, tc.wantBy)
			}
			if tc.want.ok() && !tc.org.Registered && o.VerificationEvidence != "市民政局社会组织登记档案，登记证号 渭民证字第001号" {
				t.Errorf("evidence recorded %q, want it trimmed", o.VerificationEvidence)
			}
			if tc.want.ok() {
				// Verifying again changes nothing.
				before := o
				checkErr(t, o.Verify(t2, "operator-2", "another register"), want{})
				if o != before {
					t.Errorf("second Verify changed the verification: %+v, was %+v", o, before)
				}
			}
		})
	}
}

// The evidence is required and bounded, whatever the organisation; nothing changes when it is refused.
func TestVerifyEvidence(t *testing.T) {
	tests := []struct {
		name     string
		evidence string
		want     want
	}{
		{"empty", "", want{reason: "VERIFICATION_EVIDENCE_REQUIRED", field: "evidence"}},
		{"blank", " \t ", want{reason: "VERIFICATION_EVIDENCE_REQUIRED", field: "evidence"}},
		{"500 characters", strings.Repeat("证", 500), want{}},
		{"501 characters", strings.Repeat("证", 501), want{reason: "VERIFICATION_EVIDENCE_TOO_LONG", field: "evidence"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Organization{ID: "o1", Kind: OrgSocialOrganization}
			err := o.Verify(t0, "operator-1", tc.evidence)
			checkErr(t, err, tc.want)
			if err != nil {
				if e, _ := errs.As(err); e.Kind != errs.InvalidArgument {
					t.Errorf("kind %v, want InvalidArgument", e.Kind)
				}
				if o.Registered || o.VerifiedBy != "" || o.VerificationEvidence != "" {
					t.Errorf("a refused verification changed %+v", o)
				}
			} else if !o.Registered || o.VerifiedBy != "operator-1" || o.VerificationEvidence != tc.evidence {
				t.Errorf("verified %+v", o)
			}
		})
	}
	// Evidence is checked before the kind: an other unit without evidence is refused for the evidence.
	other := Organization{ID: "o2", Kind: OrgOtherUnit}
	checkErr(t, other.Verify(t0, "operator-1", ""), want{reason: "VERIFICATION_EVIDENCE_REQUIRED"})
}

func TestSetProfile(t *testing.T) {
	// now is 2026-03-01 09:00 UTC = 17:00 in China; late is 2026-03-01 20:00 UTC, already 2026-03-02 in China.
	late := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		date      string
		staff     int
		now       time.Time
		want      want
		wantDate  string
		wantStaff int
	}{
		{"nothing given", "", 0, t0, want{}, "", 0},
		{"founded years ago", "2015-06-30", 12, t0, want{}, "2015-06-30", 12},
		{"founded today", "2026-03-01", 3, t0, want{}, "2026-03-01", 3},
		{"tomorrow", "2026-03-02", 3, t0, want{reason: "FOUNDING_DATE_IN_FUTURE", field: "founding_date"}, "", 0},
		{"tomorrow in UTC is today in China", "2026-03-02", 3, late, want{}, "2026-03-02", 3},
		{"trimmed", " 2020-01-01 ", 0, t0, want{}, "2020-01-01", 0},
		{"not a date", "2020/01/01", 0, t0, want{reason: "INVALID_FOUNDING_DATE", field: "founding_date"}, "", 0},
		{"no such day", "2021-02-29", 0, t0, want{reason: "INVALID_FOUNDING_DATE", field: "founding_date"}, "", 0},
		{"time given", "2020-01-01T00:00:00Z", 0, t0, want{reason: "INVALID_FOUNDING_DATE", field: "founding_date"}, "", 0},
		{"staff 100,000", "", 100_000, t0, want{}, "", 100_000},
		{"staff 100,001", "", 100_001, t0, want{reason: "INVALID_STAFF_SIZE", field: "staff_size"}, "", 0},
		{"staff negative", "", -1, t0, want{reason: "INVALID_STAFF_SIZE", field: "staff_size"}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o Organization
			checkErr(t, o.SetProfile(tc.date, tc.staff, tc.now), tc.want)
			if o.FoundingDate != tc.wantDate || o.StaffSize != tc.wantStaff {
				t.Errorf("profile %q %d, want %q %d", o.FoundingDate, o.StaffSize, tc.wantDate, tc.wantStaff)
			}
		})
	}
}

func TestMasked(t *testing.T) {
	tests := []struct {
		name      string
		org       Organization
		wantID    string
		wantPhone string
	}{
		{"individual", Organization{Kind: OrgIndividual, IDNumber: idNumber, ContactPhone: phone},
			"990101********1234", "138****5678"},
		{"X check character", Organization{Kind: OrgIndividual, IDNumber: idNumberX, ContactPhone: "19900001111"},
			"990101********123X", "199****1111"},
		{"no personal numbers", Organization{Kind: OrgSocialOrganization, USCC: socialUSCC}, "", ""},
		{"phone only", Organization{Kind: OrgSocialOrganization, USCC: socialUSCC, ContactPhone: phone}, "", "138****5678"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := tc.org
			m := tc.org.Masked()
			if m.IDNumber != tc.wantID || m.ContactPhone != tc.wantPhone {
				t.Errorf("masked id %q phone %q; want %q %q", m.IDNumber, m.ContactPhone, tc.wantID, tc.wantPhone)
			}
			if m.USCC != orig.USCC {
				t.Errorf("USCC changed by masking: %q", m.USCC)
			}
			if tc.org != orig {
				t.Errorf("Masked changed the original: %+v", tc.org)
			}
		})
	}

	// The masks keep the format of DOMAIN.md: 6 + 8 stars + 4, and 3 + 4 stars + 4.
	o, err := NewOrganization("张三", OrgIndividual, "", idNumber, phone)
	if err != nil {
		t.Fatal(err)
	}
	if m := o.Masked(); m.IDNumber != "990101********1234" || m.ContactPhone != "138****5678" {
		t.Errorf("masked %+v", m)
	}
	if o.IDNumber != idNumber || o.ContactPhone != phone {
		t.Errorf("owner's copy changed: %+v", o)
	}
}
