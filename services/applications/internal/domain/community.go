package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Errors of the communities list.
var (
	ErrCommunityExists  = errs.New(errs.AlreadyExists, "COMMUNITY_ALREADY_EXISTS", "a community with this code is already listed")
	ErrUnknownCommunity = errs.New(errs.InvalidArgument, "UNKNOWN_COMMUNITY", "the community is not on the list, or was retired")
)

// Community is one community of the maintained list (社区) applications choose their service area from.
type Community struct {
	// Code never changes: applications and needs refer to the community by it.
	Code        string
	Name        string
	SubDistrict string
	District    string
	// Retired communities can no longer be chosen; applications and needs that chose one keep it.
	Retired   bool
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of a community.
const (
	MaxCommunityCode  = 32
	MaxCommunityField = 100
)

// ValidCommunityCode checks a community code: 1 to 32 ASCII letters, digits or hyphens, given as field.
func ValidCommunityCode(field, code string) error {
	if code == "" || len(code) > MaxCommunityCode {
		return errs.Invalid("INVALID_COMMUNITY_CODE", field, fmt.Sprintf("a community code is 1 to %d letters, digits or hyphens", MaxCommunityCode))
	}
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return errs.Invalid("INVALID_COMMUNITY_CODE", field, fmt.Sprintf("a community code is 1 to %d letters, digits or hyphens", MaxCommunityCode))
		}
	}
	return nil
}

// NewCommunity validates a community to add to the list; its texts are trimmed.
func NewCommunity(code, name, subDistrict, district string, now time.Time) (Community, error) {
	c := Community{Code: strings.TrimSpace(code), Name: strings.TrimSpace(name), SubDistrict: strings.TrimSpace(subDistrict),
		District: strings.TrimSpace(district), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := ValidCommunityCode("community.code", c.Code); err != nil {
		return Community{}, err
	}
	if err := c.validate("community."); err != nil {
		return Community{}, err
	}
	return c, nil
}

// validate checks the names of a community; prefix is that of the request fields ("community." or "").
func (c Community) validate(prefix string) error {
	for _, f := range []struct{ field, value string }{{"name", c.Name}, {"sub_district", c.SubDistrict}, {"district", c.District}} {
		if f.value == "" {
			return errs.Invalid("COMMUNITY_FIELD_REQUIRED", prefix+f.field, "required")
		}
		if utf8.RuneCountInString(f.value) > MaxCommunityField {
			return errs.Invalid("COMMUNITY_FIELD_TOO_LONG", prefix+f.field, fmt.Sprintf("at most %d characters", MaxCommunityField))
		}
	}
	return nil
}

// CommunityChange is an edit of a community: empty texts and a nil Retired keep what is there.
type CommunityChange struct {
	Name, SubDistrict, District string
	Retired                     *bool
}

// Edit renames, moves, retires or reinstates a community.
func (c *Community) Edit(ch CommunityChange, now time.Time) error {
	next := *c
	if v := strings.TrimSpace(ch.Name); v != "" {
		next.Name = v
	}
	if v := strings.TrimSpace(ch.SubDistrict); v != "" {
		next.SubDistrict = v
	}
	if v := strings.TrimSpace(ch.District); v != "" {
		next.District = v
	}
	if ch.Retired != nil {
		next.Retired = *ch.Retired
	}
	if err := next.validate(""); err != nil {
		return err
	}
	if next.Name != c.Name || next.SubDistrict != c.SubDistrict || next.District != c.District || next.Retired != c.Retired {
		next.UpdatedAt = now
		*c = next
	}
	return nil
}

// Ref is what an application keeps of a community it chose.
func (c Community) Ref() CommunityRef {
	return CommunityRef{Code: c.Code, Name: c.Name, SubDistrict: c.SubDistrict, District: c.District}
}

// CommunityRef is a community as an application chose it: the list's entry when the application was saved.
type CommunityRef struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	SubDistrict string `json:"sub_district"`
	District    string `json:"district"`
}

// ChooseCommunities checks the communities an application names (codes, in its order) against the list's
// entries found for them (found, by code): each must be listed and, unless the application already had it
// (kept), not retired. It returns the application's references in the order of codes.
func ChooseCommunities(codes []string, found map[string]Community, kept []string) ([]CommunityRef, error) {
	var refs []CommunityRef
	for i, code := range codes {
		c, ok := found[code]
		if !ok || c.Retired && !slices.Contains(kept, code) {
			what := "is not on the communities list"
			if ok {
				what = "was retired and can no longer be chosen"
			}
			return nil, ErrUnknownCommunity.With("community %q %s", code, what).Field(fmt.Sprintf("community_codes[%d]", i), fmt.Sprintf("community %q %s", code, what))
		}
		refs = append(refs, c.Ref())
	}
	return refs, nil
}

// HomeDistrictShare counts the communities in the home district.
func HomeDistrictShare(communities []CommunityRef, home string) (in, total int) {
	for _, c := range communities {
		if c.District == home {
			in++
		}
	}
	return in, len(communities)
}
