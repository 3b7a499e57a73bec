package domain

import (
	"fmt"
	"slices"
	"testing"
)

// eachDistinct gives each value once, short lists (looked back over) and long ones (sorted) alike: the values
// distinct gives, in any order.
func TestEachDistinct(t *testing.T) {
	long := make([]string, 0, 3*smallDistinct)
	for i := range 3 * smallDistinct {
		long = append(long, fmt.Sprint("v", i%(smallDistinct+3)))
	}
	for _, s := range [][]string{nil, {}, {"a"}, {"a", "a"}, {"b", "a", "b", "c", "a"}, long} {
		var got []string
		eachDistinct(s, func(v string) { got = append(got, v) })
		slices.Sort(got)
		if want := distinct(s); !slices.Equal(got, want) {
			t.Errorf("%v: %v, want %v", s, got, want)
		}
	}
	if got := distinct([]string{"b", "a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("distinct: %v", got)
	}
}
