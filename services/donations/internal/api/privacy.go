package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

func (s *Server) ExportDonorData(ctx context.Context, req *pb.ExportDonorDataRequest) (*privacypb.PersonalDataExport, error) {
	e, err := s.app.ExportDonorData(ctx, app.ExportDonorData{DonorID: req.GetDonorId(), Reason: req.GetReason()})
	return rpc.Answer(ctx, e, err, exportToPB)
}

func (s *Server) EraseDonorData(ctx context.Context, req *pb.EraseDonorDataRequest) (*privacypb.ErasePersonalDataResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.PersonalDataErasure, error) {
		return s.app.EraseDonorData(ctx, app.EraseDonorData{Key: key, DonorID: req.GetDonorId(), Reason: req.GetReason()})
	}, erasureToPB)
}

func (s *Server) ListPersonalDataRequests(ctx context.Context, req *privacypb.ListPersonalDataRequestsRequest) (*privacypb.ListPersonalDataRequestsResponse, error) {
	filter := pagetoken.Fingerprint("personal_data_requests", req.GetSubjectId())
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]personaldata.Request, error) {
		return s.app.ListPersonalDataRequests(ctx, personaldata.Filter{SubjectID: req.GetSubjectId(), BeforeTime: cur.AfterTime, BeforeID: cur.After, Limit: limit})
	}, func(r personaldata.Request) (string, time.Time) { return r.ID, r.At }, personalDataRequestToPB)
	if err != nil {
		return nil, err
	}
	return &privacypb.ListPersonalDataRequestsResponse{Requests: page, NextPageToken: next}, nil
}

func subjectKindToPB(k personaldata.SubjectKind) privacypb.SubjectKind {
	return privacypb.SubjectKind(privacypb.SubjectKind_value["SUBJECT_KIND_"+string(k)])
}

func exportToPB(e app.PersonalDataExport) *privacypb.PersonalDataExport {
	out := &privacypb.PersonalDataExport{SubjectKind: subjectKindToPB(e.SubjectKind), SubjectId: e.SubjectID, ExportTime: ts(e.At), Erased: e.Erased,
		Items: make([]*privacypb.PersonalDataItem, 0, len(e.Items))}
	for _, it := range e.Items {
		out.Items = append(out.Items, &privacypb.PersonalDataItem{Category: it.Category, RecordId: it.RecordID, Field: it.Field, Value: it.Value,
			RecordTime: ts(it.At)})
	}
	return out
}

func erasureToPB(e app.PersonalDataErasure) *privacypb.ErasePersonalDataResponse {
	return &privacypb.ErasePersonalDataResponse{SubjectKind: subjectKindToPB(e.SubjectKind), SubjectId: e.SubjectID, ErasedValues: int32(e.Values),
		EraseTime: ts(e.At), Retained: e.Retained}
}

func personalDataRequestToPB(r personaldata.Request) *privacypb.PersonalDataRequest {
	return &privacypb.PersonalDataRequest{Id: r.ID, SubjectKind: subjectKindToPB(r.SubjectKind), SubjectId: r.SubjectID,
		Action: privacypb.PersonalDataAction(privacypb.PersonalDataAction_value["PERSONAL_DATA_ACTION_"+string(r.Action)]), RequestedBy: r.RequestedBy,
		Reason: r.Reason, RequestTime: ts(r.At), Values: int32(r.Values)}
}
