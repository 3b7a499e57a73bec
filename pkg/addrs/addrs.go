// Package addrs holds the suite's default local gRPC addresses. It has no dependencies, so any module
// (the gateway included) can import it without pulling in the service runner.
package addrs

// Default are the local gRPC addresses of the suite's services, by service name.
var Default = map[string]string{
	"applications": "127.0.0.1:9101",
	"reviews":      "127.0.0.1:9102",
	"donations":    "127.0.0.1:9103",
	"funding":      "127.0.0.1:9104",
	"supervision":  "127.0.0.1:9105",
}
