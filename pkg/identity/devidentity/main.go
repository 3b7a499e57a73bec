// Command devidentity prints an end-user identity signed with the development gateway key
// (identity.DevPrivateKey) for one service, as the gateway forwards it in the x-commonweal-identity gRPC
// metadata (identity.MetadataKey): for calling a service directly in dev mode (scripts/grpcurl.sh, `make
// grpcurl`). A service in production mode does not accept it: its GATEWAY_IDENTITY_PUBLIC_KEY is not the dev
// one. The identity is valid for identity.Lifetime (30 seconds).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/commonweal/commonweal/pkg/identity"
)

func main() {
	aud := flag.String("service", "", "the service the identity is for (its audience), e.g. applications")
	subject := flag.String("subject", "dev-operator", "the end user's subject")
	roles := flag.String("roles", "OPERATOR,AUDITOR", "comma-separated roles (identity.Role names, e.g. ORGANIZER,FINANCE)")
	org := flag.String("org", "", "the organisation ID of an APPLICANT")
	donor := flag.String("donor", "", "the donor ID of a DONOR")
	flag.Parse()
	if *aud == "" {
		fmt.Fprintln(os.Stderr, "devidentity: -service is required")
		os.Exit(2)
	}
	key, err := identity.ParsePrivateKey(identity.DevPrivateKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devidentity:", err)
		os.Exit(1)
	}
	id := identity.Identity{Subject: *subject, OrgID: *org, DonorID: *donor}
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.ToUpper(strings.TrimSpace(r)); r != "" {
			id.Roles = append(id.Roles, identity.Role(r))
		}
	}
	fmt.Println(identity.NewIssuer(key).Sign(id, *aud))
}
