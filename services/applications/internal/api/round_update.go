package api

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// policyFields are the fields of Policy an update_mask may name one by one, as policy.<field> (proto names).
var policyFields = (&pb.Policy{}).ProtoReflect().Descriptor().Fields()

// roundEdit turns an UpdateRound request into the use case's command (AIP-134). With an update_mask, exactly
// the fields it names change: name, notice, guidance, policy (the whole policy) or policy.<field> (one field
// of the policy, the rest kept; a field named but not given is cleared, so its default applies); a notice or
// guidance named but not given is cleared. Without a mask, the fields given change: the name when not empty,
// notice and guidance when present, the whole policy when present; an omitted policy is kept.
func roundEdit(req *pb.UpdateRoundRequest) (app.UpdateRound, error) {
	cmd := app.UpdateRound{RoundID: req.GetRoundId(), Etag: req.GetEtag()}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		cmd.Name, cmd.Notice, cmd.Guidance = strings.TrimSpace(req.GetName()), documentFromPB(req.GetNotice()), documentFromPB(req.GetGuidance())
		if req.GetPolicy() != nil {
			cmd.Policy = policyFromPB(req.GetPolicy())
		} else {
			cmd.PolicyChange = func(current domain.Policy) domain.Policy { return current }
		}
		return cmd, nil
	}
	whole := false
	var fields []protoreflect.FieldDescriptor
	for _, p := range paths {
		switch {
		case p == "name":
			if cmd.Name = strings.TrimSpace(req.GetName()); cmd.Name == "" {
				return cmd, errs.Invalid("NAME_REQUIRED", "name", "a round needs a name")
			}
		case p == "notice":
			cmd.Notice = clearedIfAbsent(documentFromPB(req.GetNotice()))
		case p == "guidance":
			cmd.Guidance = clearedIfAbsent(documentFromPB(req.GetGuidance()))
		case p == "policy":
			whole = true
		case strings.HasPrefix(p, "policy."):
			fd := policyFields.ByName(protoreflect.Name(strings.TrimPrefix(p, "policy.")))
			if fd == nil {
				return cmd, invalidRoundMask(p)
			}
			fields = append(fields, fd)
		default:
			return cmd, invalidRoundMask(p)
		}
	}
	given := req.GetPolicy()
	if given == nil {
		given = &pb.Policy{}
	}
	cmd.PolicyChange = func(current domain.Policy) domain.Policy {
		if whole {
			current = policyFromPB(given)
		}
		if len(fields) == 0 {
			return current
		}
		merged := policyToPB(current).ProtoReflect()
		src := given.ProtoReflect()
		for _, fd := range fields {
			if src.Has(fd) {
				merged.Set(fd, src.Get(fd))
			} else {
				merged.Clear(fd)
			}
		}
		return policyFromPB(merged.Interface().(*pb.Policy))
	}
	return cmd, nil
}

// clearedIfAbsent is d, or an empty document when d was not given (a masked field not given is cleared).
func clearedIfAbsent(d *domain.Document) *domain.Document {
	if d == nil {
		return &domain.Document{}
	}
	return d
}

func invalidRoundMask(path string) error {
	return errs.Invalid("INVALID_UPDATE_MASK", "update_mask",
		fmt.Sprintf("%q is not a field of a round that can change: name, notice, guidance, policy or policy.<field>", path))
}
