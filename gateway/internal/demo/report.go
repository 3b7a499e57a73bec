package demo

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// hundredths writes a score in hundredths: 8125 → 81.25.
func hundredths(v any) string {
	n := Fen(v)
	return fmt.Sprintf("%d.%02d", n/100, n%100)
}

// report prints the results, the money and the ledgers.
func (d *driver) report() {
	w := tabwriter.NewWriter(d.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(d.out, "\n== Final results (入选评审): total = 0.6 panel + 0.2 donation + 0.2 vote ==")
	fmt.Fprintln(w, "rank\tpanel\tdonation\tvote\ttotal\tgovernment share\tselected\tidea prize\t  project")
	for _, e := range listOf(d.rec.Public, "entries") {
		a := d.rec.ByID[Str(e["applicationId"])]
		rank := Str(e["rank"])
		if e["finalist"] != true {
			if Fen(e["ideaPrizeTier"]) == 0 {
				continue
			}
			rank = "-"
		}
		sel := Str(e["skipReason"])
		if e["selected"] == true {
			sel = "SELECTED"
		}
		tier := ""
		if t := Fen(e["ideaPrizeTier"]); t > 0 {
			tier = fmt.Sprintf("tier %d", t)
		}
		gov := ""
		if in, ok := e["inputs"].(map[string]any); ok && e["finalist"] == true {
			gov = Yuan(Fen(in["governmentFen"]))
		}
		p, dn, v, t := hundredths(e["panelScore"]), hundredths(e["donationScore"]), hundredths(e["voteScore"]), hundredths(e["totalScore"])
		if e["finalist"] != true {
			p, dn, v, t = "-", "-", "-", "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", rank, p, dn, v, t, gov, sel, tier, a.Title)
	}
	w.Flush()

	fmt.Fprintln(d.out, "\n== Money per project (yuan) ==")
	w = tabwriter.NewWriter(d.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "budget\tdonated cash\tin kind\tmatch\ttop-up\tplan total\tdisbursed\tclawed back\tstate\t  project")
	var tb, tc, tk, tm, tt, tp, td, tcb int64
	for _, a := range d.selected() {
		p := a.Plan
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", Yuan(a.BudgetFen), Yuan(Fen(p["donationFen"])), Yuan(a.InKindFen),
			Yuan(Fen(p["matchFen"])), Yuan(Fen(p["topupFen"])), Yuan(Fen(p["totalFen"])), Yuan(Fen(p["disbursedFen"])), Yuan(Fen(p["clawbackFen"])),
			strings.TrimPrefix(Str(p["state"]), "PLAN_STATE_"), a.Title)
		tb, tc, tk, tm, tt = tb+a.BudgetFen, tc+Fen(p["donationFen"]), tk+a.InKindFen, tm+Fen(p["matchFen"]), tt+Fen(p["topupFen"])
		tp, td, tcb = tp+Fen(p["totalFen"]), td+Fen(p["disbursedFen"]), tcb+Fen(p["clawbackFen"])
	}
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t  total\n", Yuan(tb), Yuan(tc), Yuan(tk), Yuan(tm), Yuan(tt), Yuan(tp), Yuan(td), Yuan(tcb))
	w.Flush()

	pool := d.rec.Pool
	fmt.Fprintf(d.out, "\nPool (福彩公益金): allocated %s, committed %s, paid %s, returned %s, available %s yuan\n", Yuan(Fen(pool["allocatedFen"])),
		Yuan(Fen(pool["committedFen"])), Yuan(Fen(pool["paidFen"])), Yuan(Fen(pool["returnedFen"])), Yuan(Fen(pool["availableFen"])))
	var late int64
	for _, a := range d.rec.Apps {
		late += a.LateFen
	}
	if t, ok := d.rec.Statistics["total"].(map[string]any); ok {
		fmt.Fprintf(d.out, "Statistics (in implementation): pledged %s, deposited %s, matched %s, topped up %s, disbursed %s, clawed back %s yuan; late money %s yuan\n",
			Yuan(Fen(t["pledgedFen"])), Yuan(Fen(t["depositedFen"])), Yuan(Fen(t["matchedFen"])), Yuan(Fen(t["toppedUpFen"])), Yuan(Fen(t["disbursedFen"])),
			Yuan(Fen(t["clawedBackFen"])), Yuan(late))
	}

	fmt.Fprintln(d.out, "\n== Ledgers and published hash heads ==")
	for _, name := range []string{"donations", "funding"} {
		v := d.rec.Ledgers[name]
		fmt.Fprintf(d.out, "ledger:verify %-9s balanced=%v chainsIntact=%v\n", name, v["balanced"], v["chainsIntact"])
	}
	for _, path := range []string{"/v1/ledger/heads", "/v1/funding/ledger/heads", "/v1/phaseChanges/heads"} {
		for _, h := range d.rec.Heads[path] {
			seq := Str(h["sequence"])
			if seq == "" {
				seq = "0"
			}
			fmt.Fprintf(d.out, "%-26s %-20s seq %-6s %s  heads:check intact=%v\n", path, Str(h["chain"]), seq, Str(h["hash"]), h["intact"])
		}
	}
	fmt.Fprintf(d.out, "\nRound %s closed in %.0fs: %d steps, %d refusals as the rules require.\n", d.rec.RoundID, time.Since(d.start).Seconds(), d.step, len(d.rec.Refusals))
}
