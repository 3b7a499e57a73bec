package openapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestV3DocumentIsValid loads the served OpenAPI 3 document (dev mode: with the dev-token route) and checks
// it against the OpenAPI 3.0 rules.
func TestV3DocumentIsValid(t *testing.T) {
	for _, dev := range []bool{false, true} {
		raw, err := DocumentV3(dev)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("dev=%v: %v", dev, err)
		}
		if _, ok := doc.Paths.Map()["/v1/dev/tokens"]; ok != dev {
			t.Errorf("dev=%v: /v1/dev/tokens present = %v", dev, ok)
		}
	}
}

// TestSecurityAndHeaders checks what the Prism run found missing: bearer security declared in the committed
// document, public routes and /healthz without it, X-Voter-Token declared where the gateway forwards it, and
// the error answers with their detail schemas.
func TestSecurityAndHeaders(t *testing.T) {
	var doc struct {
		SecurityDefinitions map[string]struct{ Type, In, Name string }
		Security            []map[string][]string
		Paths               map[string]map[string]struct {
			OperationID string                 `json:"operationId"`
			Security    *[]map[string][]string `json:"security"`
			Parameters  []struct{ Name, In string }
			Responses   map[string]json.RawMessage
		}
		Definitions map[string]json.RawMessage
	}
	if err := json.Unmarshal(swagger, &doc); err != nil { // the committed file, not what Document adds
		t.Fatal(err)
	}
	if b := doc.SecurityDefinitions["bearer"]; b.In != "header" || b.Name != "Authorization" || len(doc.Security) != 1 {
		t.Errorf("bearer security: %+v %v", doc.SecurityDefinitions, doc.Security)
	}
	// The RPCs the services' authorisation tables open to anyone (authz.Public), and the gateway's /healthz.
	gateway := map[string]bool{"Healthz": true, "GetOpenAPIDocument": true, "GetOpenAPIV3Document": true, "GetDocsPage": true}
	public := map[string]bool{}
	for id := range gateway {
		public[id] = true
	}
	for _, id := range []string{"ApplicationsService_GetRound", "ApplicationsService_ListRounds", "ApplicationsService_GetApplication",
		"ApplicationsService_GetAuditChainHeads", "ApplicationsService_CheckAuditChainHead", "ApplicationsService_ListCommunities",
		"ApplicationsService_GetNeed", "ApplicationsService_ListNeeds", "DonationsService_GetDonationChainHeads",
		"DonationsService_CheckDonationChainHead", "FundingService_GetFundingChainHeads", "FundingService_CheckFundingChainHead",
		"ReviewsService_GetShortlist", "ReviewsService_CreateComplaint", "ReviewsService_SendVoterCode", "ReviewsService_VerifyVoter",
		"ReviewsService_CastVote", "ReviewsService_GetTallies", "ReviewsService_ExportVoterData", "ReviewsService_EraseVoterData",
		"ReviewsService_GetResults", "DisclosureService_ListPublicDisclosures"} {
		public[id] = true
	}
	voterToken := map[string]bool{"ReviewsService_CastVote": true, "ReviewsService_CreateComplaint": true,
		"ReviewsService_ExportVoterData": true, "ReviewsService_EraseVoterData": true}
	seen := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			seen[op.OperationID] = true
			open := op.Security != nil && len(*op.Security) == 0
			if open != public[op.OperationID] {
				t.Errorf("%s %s (%s): without security = %v, want %v", method, path, op.OperationID, open, public[op.OperationID])
			}
			if op.Security != nil && !open {
				t.Errorf("%s %s: security %v, want the document's default or none", method, path, *op.Security)
			}
			hasHeader := false
			for _, p := range op.Parameters {
				hasHeader = hasHeader || p.In == "header" && p.Name == "X-Voter-Token"
			}
			if hasHeader != voterToken[op.OperationID] {
				t.Errorf("%s %s: X-Voter-Token declared = %v", method, path, hasHeader)
			}
			want := []string{"200", "400", "401", "403", "404", "409", "412", "503", "default"}
			if gateway[op.OperationID] {
				want = []string{"200"}
			}
			for _, code := range want {
				if op.Responses[code] == nil {
					t.Errorf("%s %s: no %s answer", method, path, code)
				}
			}
		}
	}
	for id := range public {
		if !seen[id] {
			t.Errorf("%s is not in the document", id)
		}
	}
	for _, def := range []string{"rpcStatus", "rpcErrorInfo", "rpcBadRequest", "Health"} {
		if doc.Definitions[def] == nil {
			t.Errorf("definition %s missing", def)
		}
	}
}
