package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestCheckComplaintIDs(t *testing.T) {
	many := make([]string, MaxBulkComplaints+1)
	for i := range many {
		many[i] = fmt.Sprintf("c%d", i)
	}
	for _, c := range []struct {
		name    string
		ids     []string
		exclude string
		err     error
	}{
		{"one", []string{"a"}, "p", nil},
		{"the maximum", many[:MaxBulkComplaints], "p", nil},
		{"none", nil, "p", ErrComplaintIDsInvalid},
		{"over the maximum", many, "p", ErrComplaintIDsInvalid},
		{"named twice", []string{"a", "b", "a"}, "p", ErrComplaintIDsInvalid},
		{"the primary among its duplicates", []string{"a", "p"}, "p", ErrComplaintIDsInvalid},
	} {
		err := CheckComplaintIDs("ids", c.ids, c.exclude)
		if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
		}
	}
}

func TestCheckMerge(t *testing.T) {
	primary := Complaint{ID: "p", RoundID: "r", ApplicationID: "a", State: ComplaintOpen}
	dup := func(id string, change func(*Complaint)) Complaint {
		c := Complaint{ID: id, RoundID: "r", ApplicationID: "a", State: ComplaintOpen}
		if change != nil {
			change(&c)
		}
		return c
	}
	for _, c := range []struct {
		name    string
		primary Complaint
		dups    []Complaint
		err     error
	}{
		{"duplicates of the same application", primary, []Complaint{dup("d1", nil), dup("d2", nil)}, nil},
		{"primary resolved", Complaint{ID: "p", RoundID: "r", ApplicationID: "a", State: ComplaintResolved}, []Complaint{dup("d1", nil)}, ErrComplaintClosed},
		{"primary merged", Complaint{ID: "p", RoundID: "r", ApplicationID: "a", State: ComplaintMerged}, []Complaint{dup("d1", nil)}, ErrComplaintClosed},
		{"a duplicate resolved", primary, []Complaint{dup("d1", nil), dup("d2", func(c *Complaint) { c.State = ComplaintResolved })}, ErrComplaintClosed},
		{"a duplicate already merged", primary, []Complaint{dup("d1", func(c *Complaint) { c.State = ComplaintMerged })}, ErrComplaintClosed},
		{"another application", primary, []Complaint{dup("d1", func(c *Complaint) { c.ApplicationID = "b" })}, ErrComplaintMismatch},
		{"another round", primary, []Complaint{dup("d1", func(c *Complaint) { c.RoundID = "r2" })}, ErrComplaintMismatch},
	} {
		err := CheckMerge(c.primary, c.dups)
		if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
		}
	}
}

func TestMergeAndFollowPrimary(t *testing.T) {
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	p := Complaint{ID: "p", State: ComplaintOpen}
	d := Complaint{ID: "d", State: ComplaintOpen}
	if err := d.MergeInto("p", "same facts", at, "operator"); err != nil || d.State != ComplaintMerged || d.MergedInto != "p" || d.MergeReason != "same facts" {
		t.Fatalf("merged: %+v %v", d, err)
	}
	if err := d.MergeInto("q", "again", at, "operator"); !errors.Is(err, ErrComplaintClosed) || d.MergedInto != "p" {
		t.Fatalf("merged twice: %+v %v", d, err)
	}
	if err := d.Resolve(OutcomeUpheld, "x", at, "operator"); !errors.Is(err, ErrComplaintClosed) {
		t.Fatalf("a merged complaint resolved on its own: %v", err)
	}
	if err := p.Resolve(OutcomeUpheld, "confirmed", at.Add(time.Hour), "operator-2"); err != nil {
		t.Fatal(err)
	}
	d.FollowPrimary(p)
	if d.State != ComplaintMerged || d.Outcome != OutcomeUpheld || d.ResolutionReason != "confirmed" || !d.ResolvedAt.Equal(p.ResolvedAt) || d.ResolvedBy != "operator-2" {
		t.Fatalf("duplicate after its primary was resolved: %+v", d)
	}
}

func TestCheckBulkResolve(t *testing.T) {
	open := func(id, round string) Complaint {
		return Complaint{ID: id, RoundID: round, ApplicationID: "a", State: ComplaintOpen}
	}
	for _, c := range []struct {
		name string
		cs   []Complaint
		err  error
	}{
		{"all open in the round", []Complaint{open("a", "r"), open("b", "r")}, nil},
		{"one in another round", []Complaint{open("a", "r"), open("b", "r2")}, ErrComplaintNotInRound},
		{"one resolved", []Complaint{open("a", "r"), {ID: "b", RoundID: "r", State: ComplaintResolved}}, ErrComplaintClosed},
		{"one merged", []Complaint{{ID: "b", RoundID: "r", State: ComplaintMerged}, open("a", "r")}, ErrComplaintClosed},
	} {
		err := CheckBulkResolve("r", c.cs)
		if c.err == nil && err != nil || c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
		}
	}
}

func TestUpheldApplications(t *testing.T) {
	cs := []Complaint{
		{ApplicationID: "a", State: ComplaintResolved, Outcome: OutcomeUpheld},
		{ApplicationID: "b", State: ComplaintResolved, Outcome: OutcomeDismissed},
		{ApplicationID: "a", State: ComplaintResolved, Outcome: OutcomeUpheld},
		{ApplicationID: "c", State: ComplaintMerged, Outcome: OutcomeUpheld},
		{ApplicationID: "d", State: ComplaintResolved, Outcome: OutcomeUpheld},
	}
	if got := fmt.Sprint(UpheldApplications(cs)); got != "[a d]" {
		t.Fatalf("upheld applications = %s, want [a d]", got)
	}
}
