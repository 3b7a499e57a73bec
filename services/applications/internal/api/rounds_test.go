package api

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// The new policy fields survive proto → domain → proto; what is not given stays absent, so the defaults
// apply.
func TestPolicyNewFieldsRoundTrip(t *testing.T) {
	pct := int32(80)
	in := &pb.Policy{
		ShortlistPanelMix:      []*pb.PanelMixRule{{Kind: "EXPERT", Min: 3}, {Kind: "MEDIA", Min: 0}},
		FinalPanelMix:          []*pb.PanelMixRule{{Kind: "DONOR_REP", Min: 2}},
		PhaseTargets:           []*pb.PhaseTarget{{Phase: pb.Phase_PHASE_DRAFT, TargetTime: timestamppb.New(t0)}, {Phase: pb.Phase_PHASE_CLOSING, TargetTime: timestamppb.New(t0.Add(time.Hour))}},
		HomeDistrict:           " 华州区 ",
		HomeDistrictMinPercent: &pct,
	}
	d := policyFromPB(in)
	tests := []struct {
		name      string
		got, want any
	}{
		{"shortlist mix", len(d.ShortlistPanelMix), 2},
		{"shortlist mix kind", d.ShortlistPanelMix[0], domain.PanelMixRule{Kind: "EXPERT", Min: 3}},
		{"final mix", d.FinalPanelMix[0], domain.PanelMixRule{Kind: "DONOR_REP", Min: 2}},
		{"draft target", d.PhaseTargets[0], domain.PhaseTarget{Phase: domain.PhaseDraft, Target: t0}},
		{"closing target phase", d.PhaseTargets[1].Phase, domain.PhaseClosing},
		{"home district trimmed", d.HomeDistrict, "华州区"},
		{"home district share", *d.HomeDistrictMinPercent, 80},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	out := policyToPB(d)
	in.HomeDistrict = "华州区"
	for _, f := range []struct {
		name      string
		got, want proto.Message
	}{
		{"shortlist mix", &pb.Policy{ShortlistPanelMix: out.ShortlistPanelMix}, &pb.Policy{ShortlistPanelMix: in.ShortlistPanelMix}},
		{"final mix", &pb.Policy{FinalPanelMix: out.FinalPanelMix}, &pb.Policy{FinalPanelMix: in.FinalPanelMix}},
		{"targets", &pb.Policy{PhaseTargets: out.PhaseTargets}, &pb.Policy{PhaseTargets: in.PhaseTargets}},
		{"home district", &pb.Policy{HomeDistrict: out.HomeDistrict, HomeDistrictMinPercent: out.HomeDistrictMinPercent},
			&pb.Policy{HomeDistrict: in.HomeDistrict, HomeDistrictMinPercent: in.HomeDistrictMinPercent}},
	} {
		if !proto.Equal(f.got, f.want) {
			t.Errorf("%s round trip: %v, want %v", f.name, f.got, f.want)
		}
	}

	// Not given: nil, so WithDefaults fills them in; a target without a phase or time is kept for Validate to refuse.
	empty := policyFromPB(&pb.Policy{PhaseTargets: []*pb.PhaseTarget{{}}})
	if empty.HomeDistrictMinPercent != nil || empty.ShortlistPanelMix != nil || empty.FinalPanelMix != nil || empty.HomeDistrict != "" {
		t.Errorf("absent fields given values: %+v", empty)
	}
	if len(empty.PhaseTargets) != 1 || empty.PhaseTargets[0].Phase != "" || !empty.PhaseTargets[0].Target.IsZero() {
		t.Errorf("empty target: %+v", empty.PhaseTargets)
	}
	if err := empty.WithDefaults().Validate(); err == nil {
		t.Error("a target without phase and time validates")
	}
}

func TestDocumentConversion(t *testing.T) {
	if documentFromPB(nil) != nil {
		t.Error("an absent document is not nil: it would replace the current one")
	}
	if d := documentFromPB(&pb.Document{}); d == nil || !d.Empty() {
		t.Errorf("an empty document given: %+v", d)
	}
	in := &pb.Document{Title: " 公告 ", Body: "正文", Attachments: []*pb.Attachment{{Name: " a.pdf ", Uri: " https://x.example/a.pdf ", Sha256: "ab", MediaType: "application/pdf", SizeBytes: 7}},
		PublishTime: timestamppb.New(t0)}
	d := documentFromPB(in)
	if d.Title != "公告" || d.Attachments[0] != (domain.Attachment{Name: "a.pdf", URI: "https://x.example/a.pdf", SHA256: "ab", MediaType: "application/pdf", SizeBytes: 7}) {
		t.Errorf("document from proto: %+v", d)
	}
	if documentToPB(domain.Document{}, t0) != nil {
		t.Error("an empty document is shown")
	}
	out := documentToPB(*d, time.Time{})
	if out.PublishTime != nil || out.Attachments[0].GetUri() != "https://x.example/a.pdf" {
		t.Errorf("unpublished document: %v", out)
	}
	if out := documentToPB(*d, t0); !out.PublishTime.AsTime().Equal(t0) {
		t.Errorf("published document: %v", out)
	}
}

func TestRoundToPBSchedule(t *testing.T) {
	r, err := domain.NewRound("r", 2026, domain.Policy{PhaseTargets: []domain.PhaseTarget{{Phase: domain.PhaseSolicitation, Target: t0.Add(time.Hour)}}},
		domain.Document{Title: "公告", Body: "正文"}, domain.Document{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	r.Enter(domain.PhaseSolicitation, t0.Add(time.Minute))
	out := roundToPB(r, t0.Add(2*time.Hour))
	if len(out.Schedule) != 9 || out.Schedule[8].GetPhase() != pb.Phase_PHASE_CLOSING || !out.Overdue {
		t.Fatalf("round: %d entries, overdue %v", len(out.Schedule), out.Overdue)
	}
	draft, sol := out.Schedule[0], out.Schedule[1]
	if !draft.EnterTime.AsTime().Equal(t0) || !draft.LeaveTime.AsTime().Equal(t0.Add(time.Minute)) || draft.TargetTime != nil || draft.Overdue || draft.Late {
		t.Errorf("DRAFT: %v", draft)
	}
	if !sol.EnterTime.AsTime().Equal(t0.Add(time.Minute)) || sol.LeaveTime != nil || !sol.TargetTime.AsTime().Equal(t0.Add(time.Hour)) || !sol.Overdue {
		t.Errorf("SOLICITATION: %v", sol)
	}
	if !out.Notice.PublishTime.AsTime().Equal(t0.Add(time.Minute)) || out.Guidance != nil {
		t.Errorf("documents: %v / %v", out.Notice, out.Guidance)
	}
	if roundToPB(r, t0.Add(30*time.Minute)).Overdue {
		t.Error("overdue before the target")
	}
}
