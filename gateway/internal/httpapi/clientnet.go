package httpapi

import (
	"net/http"

	"github.com/commonweal/commonweal/pkg/identity"
)

// clientNetwork puts the network of the client behind r (its /24 or /64, never the whole address; through
// trusted proxies as ClientAddr reads them) into the request context, from which the backend connections
// forward it to the services: reviews records it with each vote to spot many voters from one network.
func clientNetwork(p Proxies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := p.ClientAddr(r); ok {
			r = r.WithContext(identity.WithClientNetwork(r.Context(), identity.NetworkOf(a)))
		}
		next.ServeHTTP(w, r)
	})
}
