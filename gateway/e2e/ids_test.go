package e2e

// Made-up identifiers for the tests, written out as literals so that no expected value comes from the code
// under test (pkg/cnid). None is a real number: region 999999 (credit codes) and regions 990101/990102
// (resident IDs) do not exist. The check characters were computed once, independently of pkg/cnid, from
// GB 32100-2015 (alphabet 0-9A-HJ-NPQRTUWXY, weight of position i = 3^(i-1) mod 31, check = 31 - sum mod
// 31, 31 written 0) and GB 11643-1999 (ISO 7064 MOD 11-2: weight of position i = 2^(18-i) mod 11, check =
// (12 - sum mod 11) mod 11, 10 written X).
const (
	// Unified social credit codes (统一社会信用代码) with valid check characters.
	usccLinwei          = "91999999MA0000002R" // TestCallForProposals' social organisation
	usccFederationDonor = "91999999MA0000032W" // the donor the federation may not create
	usccDonorA          = "91999999MA00000330" // TestDonations' enterprise donor A
	usccProgrammeDonor  = "91999999MA0000300L" // TestProgrammeAcrossServices' enterprise donor

	// usccBadCheck is 91999999MA0000001N with a wrong check character (P instead of N).
	usccBadCheck = "91999999MA0000001P"

	// Resident ID numbers (居民身份证号码) with valid check digits, and their masked forms (first six and
	// last four characters kept) as every role but the owner and ORGANIZER sees them.
	residentIDDonorB       = "990101198001010305"
	residentIDDonorBMasked = "990101********0305"
	residentIDIdeaOnly     = "99010219800101007X" // the individual behind newReviewRound's idea-only application

	// residentIDBadCheck is 990101198001010014 with a wrong check digit (5 instead of 4).
	residentIDBadCheck = "990101198001010015"
)

// reviewOrgUSCCs are the credit codes of newReviewRound's social organisations, one per application.
var reviewOrgUSCCs = []string{
	"91999999MA00001009",
	"91999999MA0000101C",
	"91999999MA0000102F",
	"91999999MA0000103J",
	"91999999MA0000104M",
}
