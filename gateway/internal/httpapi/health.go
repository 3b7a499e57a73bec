package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// healthz answers 200 when every backend reports SERVING, and 503 naming the ones that do not.
func healthz(backends []Backend) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		services := map[string]string{}
		ok := true
		for _, b := range backends {
			resp, err := healthpb.NewHealthClient(b.Conn).Check(ctx, &healthpb.HealthCheckRequest{})
			state := resp.GetStatus().String()
			if err != nil {
				state = "UNREACHABLE"
			}
			if state != healthpb.HealthCheckResponse_SERVING.String() {
				ok = false
			}
			services[b.Name] = state
		}
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(map[string]any{"status": map[bool]string{true: "SERVING", false: "NOT_SERVING"}[ok], "services": services})
	}
}
