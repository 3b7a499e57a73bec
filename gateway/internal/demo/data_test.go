package demo

import (
	"fmt"
	"testing"

	"github.com/commonweal/commonweal/pkg/cnid"
)

// Criteria gives exactly the idea and other points asked for, each criterion within its maximum.
func TestCriteria(t *testing.T) {
	maxima := map[string]int{"BREADTH": 15, "URGENCY": 15, "PUBLIC_BENEFIT": 15, "INNOVATION": 20, "PLANNING": 20, "TEAM": 15}
	for idea := 0; idea <= 65; idea++ {
		for rest := 0; rest <= 35; rest += 7 {
			c := Criteria(idea, rest)
			if IdeaPoints(c) != idea || Total(c) != idea+rest || len(c) != 6 {
				t.Fatalf("Criteria(%d, %d) = %v", idea, rest, c)
			}
			for k, v := range c {
				if v < 0 || v > maxima[k] {
					t.Fatalf("Criteria(%d, %d): %s = %d", idea, rest, k, v)
				}
			}
		}
	}
	if c := Criteria(80, -3); IdeaPoints(c) != 65 || Total(c) != 65 {
		t.Fatalf("out-of-range points are clamped: %v", c)
	}
}

// The made-up identifiers pass the services' validation, whatever the run's serial.
func TestMadeUpIdentifiersValid(t *testing.T) {
	for _, run := range []int{0, 7, 1234, 9999} {
		for i := range 30 {
			code, err := uscc(fmt.Sprintf("%04d%03d", run, i))
			if err != nil || cnid.ValidUSCC(code) != nil {
				t.Fatalf("credit code %q: %v %v", code, err, cnid.ValidUSCC(code))
			}
			id, err := residentID(run, i)
			if err != nil || cnid.ValidResidentID(id) != nil {
				t.Fatalf("resident ID %q: %v %v", id, err, cnid.ValidResidentID(id))
			}
		}
	}
}

// Budget lines add up to the budget; amounts print as yuan.
func TestBudgetLinesAndYuan(t *testing.T) {
	for _, sp := range specs {
		var sum int64
		for _, l := range budgetLines(sp.budgetYuan * 100) {
			sum += l["amountFen"].(int64)
		}
		if sum != sp.budgetYuan*100 {
			t.Fatalf("%s: lines add up to %d, budget %d", sp.title, sum, sp.budgetYuan*100)
		}
	}
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 123456789: "1,234,567.89", 100000000: "1,000,000.00", -1234567: "-12,345.67"} {
		if got := Yuan(fen); got != want {
			t.Errorf("Yuan(%d) = %q, want %q", fen, got, want)
		}
	}
}
