// Package personaldatapb converts the personal-data answers (package personaldata) to the shared privacy
// messages and serves the audit-trail list, the same way in every service that holds personal data.
package personaldatapb

import (
	"context"
	"time"

	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/rpc"
)

func subjectKind(k personaldata.SubjectKind) privacypb.SubjectKind {
	return privacypb.SubjectKind(privacypb.SubjectKind_value["SUBJECT_KIND_"+string(k)])
}

// Export converts an export's answer.
func Export(e personaldata.SubjectData) *privacypb.PersonalDataExport {
	out := &privacypb.PersonalDataExport{SubjectKind: subjectKind(e.SubjectKind), SubjectId: e.SubjectID, ExportTime: pbconv.Timestamp(e.At),
		Erased: e.Erased, Items: make([]*privacypb.PersonalDataItem, 0, len(e.Items))}
	for _, it := range e.Items {
		out.Items = append(out.Items, &privacypb.PersonalDataItem{Category: it.Category, RecordId: it.RecordID, Field: it.Field, Value: it.Value,
			RecordTime: pbconv.Timestamp(it.At)})
	}
	return out
}

// Erasure converts an erasure's answer.
func Erasure(e personaldata.Erasure) *privacypb.ErasePersonalDataResponse {
	return &privacypb.ErasePersonalDataResponse{SubjectKind: subjectKind(e.SubjectKind), SubjectId: e.SubjectID, ErasedValues: int32(e.Values),
		EraseTime: pbconv.Timestamp(e.At), Retained: e.Retained}
}

// Request converts an audit-trail entry.
func Request(r personaldata.Request) *privacypb.PersonalDataRequest {
	return &privacypb.PersonalDataRequest{Id: r.ID, SubjectKind: subjectKind(r.SubjectKind), SubjectId: r.SubjectID,
		Action:      privacypb.PersonalDataAction(privacypb.PersonalDataAction_value["PERSONAL_DATA_ACTION_"+string(r.Action)]),
		RequestedBy: r.RequestedBy, Reason: r.Reason, RequestTime: pbconv.Timestamp(r.At), Values: int32(r.Values)}
}

// List answers ListPersonalDataRequests: a page of the audit trail, newest first, read by list.
func List(ctx context.Context, tokens *pagetoken.Signer, req *privacypb.ListPersonalDataRequestsRequest,
	list func(context.Context, personaldata.Filter) ([]personaldata.Request, error)) (*privacypb.ListPersonalDataRequestsResponse, error) {
	filter := pagetoken.Fingerprint("personal_data_requests", req.GetSubjectId())
	page, next, err := rpc.List(ctx, tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]personaldata.Request, error) {
		return list(ctx, personaldata.Filter{SubjectID: req.GetSubjectId(), BeforeTime: cur.AfterTime, BeforeID: cur.After, Limit: limit})
	}, func(r personaldata.Request) (string, time.Time) { return r.ID, r.At }, Request)
	if err != nil {
		return nil, err
	}
	return &privacypb.ListPersonalDataRequestsResponse{Requests: page, NextPageToken: next}, nil
}
