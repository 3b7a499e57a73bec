// Command demo drives one complete round of the programme through the gateway over HTTP (see `make demo`):
// thirty applications, panels, complaints, votes, donations, results, funding, supervision and the round's
// close, printing a line per step and then the results, the money and the ledgers. It exits 1 when a step fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/commonweal/commonweal/gateway/internal/demo"
)

func main() {
	url := flag.String("gateway", envOr("GATEWAY_URL", "http://127.0.0.1:8080"), "the gateway's base URL (GATEWAY_URL)")
	window := flag.Duration("window", 20*time.Second, "time from publishing the round to its submission deadline")
	publicity := flag.Duration("publicity", 5*time.Second, "the round's publicity period")
	voters := flag.Int("voters", 40, "how many verified phones vote")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	_, err := demo.Run(ctx, demo.Config{GatewayURL: *url, Out: os.Stdout, SubmissionWindow: *window, PublicityPeriod: *publicity, Voters: *voters})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo FAILED:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
