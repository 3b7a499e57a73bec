package e2e

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
)

// benchRow is one line of `make bench`'s table: a scenario's figure (A), its baseline (B) and their ratio,
// each over the interleaved rounds (A B A B …), with the target the ratio is held to.
type benchRow struct {
	scenario string
	unit     string    // of the figure, e.g. "votes/s"
	baseUnit string    // of the baseline when not unit, e.g. "TPS"
	a, b     []float64 // one per round
	ratios   []float64 // a[r]/b[r], one per round
	// target: the ratio must be >= min (atLeast) or <= max (!atLeast).
	target  float64
	atLeast bool
	// text, when set, replaces the computed columns (memory rows, skipped scenarios).
	figure, baseline, ratio, targetText, met string
	note                                     string
}

// add records one round's figure and baseline.
func (r *benchRow) add(a, b float64) {
	r.a = append(r.a, a)
	r.b = append(r.b, b)
	r.ratios = append(r.ratios, a/b)
}

// spread is "median (min–max)" of xs, each formatted with f.
func spread(xs []float64, f func(float64) string) string {
	if len(xs) == 0 {
		return "—"
	}
	s := slices.Sorted(slices.Values(xs))
	return fmt.Sprintf("%s (%s–%s)", f(median(s)), f(s[0]), f(s[len(s)-1]))
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func number(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

func ratioText(x float64) string { return fmt.Sprintf("%.2f", x) }

// columns are the row's printed cells.
func (r *benchRow) columns() []string {
	figure, baseline, ratio, target, met := r.figure, r.baseline, r.ratio, r.targetText, r.met
	if figure == "" {
		figure = spread(r.a, number) + " " + r.unit
	}
	if baseline == "" {
		unit := r.baseUnit
		if unit == "" {
			unit = r.unit
		}
		baseline = spread(r.b, number) + " " + unit
	}
	if ratio == "" {
		ratio = spread(r.ratios, ratioText)
	}
	if target == "" {
		op := "≥"
		if !r.atLeast {
			op = "≤"
		}
		target = fmt.Sprintf("%s %.2f", op, r.target)
	}
	if met == "" {
		m := median(r.ratios)
		switch {
		case len(r.ratios) == 0:
			met = "—"
		case r.atLeast && m >= r.target, !r.atLeast && m <= r.target:
			met = "yes"
		default:
			met = "NO"
		}
	}
	return []string{r.scenario, figure, baseline, ratio, target, met}
}

// printBenchTable writes the header (machine, server settings, knobs) and the table.
func printBenchTable(w io.Writer, header []string, rows []*benchRow) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== make bench ==")
	for _, h := range header {
		fmt.Fprintln(w, h)
	}
	// Scenarios in their order (1 … 6, then the kill check), whatever order they ran in.
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b *benchRow) int { return strings.Compare(a.scenario[:1], b.scenario[:1]) })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure: median (min–max)\tbaseline: median (min–max)\tratio: median (min–max)\ttarget\tmet?")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.columns(), "\t"))
	}
	tw.Flush()
	for _, r := range rows {
		if r.note != "" {
			fmt.Fprintf(w, "  %s: %s\n", strings.SplitN(r.scenario, " ", 2)[0], r.note)
		}
	}
	fmt.Fprintln(w)
}

// machine describes the computer the benchmark ran on: CPU model and count, memory, OS.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// TestBenchRow checks the cells `make bench` prints: median and range of the rounds, ratios of each round
// (not of the medians), and whether the median ratio meets the target.
func TestBenchRow(t *testing.T) {
	r := &benchRow{scenario: "1. votes", unit: "votes/s", baseUnit: "TPS", target: 1.0, atLeast: true}
	r.add(1000, 2000) // 0.5
	r.add(3000, 2000) // 1.5
	r.add(1200, 1000) // 1.2
	got := r.columns()
	want := []string{"1. votes", "1200 (1000–3000) votes/s", "2000 (1000–2000) TPS", "1.20 (0.50–1.50)", "≥ 1.00", "yes"}
	if !slices.Equal(got, want) {
		t.Errorf("columns\n got %q\nwant %q", got, want)
	}
	slow := &benchRow{scenario: "4. statistics", unit: "s", target: 1.2}
	slow.add(6.5, 5)
	slow.add(7.5, 5)
	if got := slow.columns(); got[3] != "1.40 (1.30–1.50)" || got[4] != "≤ 1.20" || got[5] != "NO" {
		t.Errorf("a time ratio above its ceiling: %q", got)
	}
	skipped := &benchRow{scenario: "4. statistics", figure: "skipped", baseline: "—", ratio: "—", targetText: "≤ 1.20 (time)", met: "—"}
	if got := skipped.columns(); got[1] != "skipped" || got[5] != "—" {
		t.Errorf("a skipped scenario: %q", got)
	}
	var out strings.Builder
	printBenchTable(&out, []string{"machine: test"}, []*benchRow{skipped, r})
	if i, j := strings.Index(out.String(), "1. votes"), strings.Index(out.String(), "4. statistics"); i < 0 || j < 0 || i > j {
		t.Errorf("rows not in scenario order:\n%s", out.String())
	}
}
