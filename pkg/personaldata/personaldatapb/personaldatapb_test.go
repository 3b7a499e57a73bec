package personaldatapb_test

import (
	"testing"
	"time"

	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/personaldata/personaldatapb"
)

// Every subject kind and action of package personaldata has its value in the privacy messages.
func TestKindsAndActionsConvert(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for kind, want := range map[personaldata.SubjectKind]privacypb.SubjectKind{
		personaldata.OrganizationContact: privacypb.SubjectKind_SUBJECT_KIND_ORGANIZATION_CONTACT,
		personaldata.Donor:               privacypb.SubjectKind_SUBJECT_KIND_DONOR,
		personaldata.Voter:               privacypb.SubjectKind_SUBJECT_KIND_VOTER,
	} {
		e := personaldatapb.Export(personaldata.SubjectData{SubjectKind: kind, SubjectID: "s", At: at,
			Items: []personaldata.Item{{Category: "donor", RecordID: "r", Field: "phone", Value: "13712345678", At: at}}})
		if e.GetSubjectKind() != want || len(e.GetItems()) != 1 || e.GetItems()[0].GetValue() != "13712345678" || !e.GetExportTime().AsTime().Equal(at) {
			t.Errorf("%s: %v", kind, e)
		}
		if got := personaldatapb.Erasure(personaldata.Erasure{SubjectKind: kind, Values: 3}); got.GetSubjectKind() != want || got.GetErasedValues() != 3 {
			t.Errorf("%s erasure: %v", kind, got)
		}
	}
	for action, want := range map[personaldata.Action]privacypb.PersonalDataAction{
		personaldata.Export: privacypb.PersonalDataAction_PERSONAL_DATA_ACTION_EXPORT,
		personaldata.Erase:  privacypb.PersonalDataAction_PERSONAL_DATA_ACTION_ERASE,
	} {
		if got := personaldatapb.Request(personaldata.Request{Action: action}).GetAction(); got != want {
			t.Errorf("%s: %v", action, got)
		}
	}
}
