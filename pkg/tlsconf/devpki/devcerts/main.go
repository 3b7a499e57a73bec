// Command devcerts writes a throwaway CA and a certificate for the gateway and each service into a
// directory (-dir, default .run/certs), unless they are all there already (-force makes new ones). For
// `make run` and local experiments only: production certificates come from the operator's CA.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

func main() {
	dir := flag.String("dir", ".run/certs", "directory to write ca.pem, <name>.pem and <name>-key.pem into")
	force := flag.Bool("force", false, "make a new CA and certificates even if the files exist")
	flag.Parse()
	var err error
	created := true
	if *force {
		err = devpki.Write(*dir, devpki.Names...)
	} else {
		created, err = devpki.Ensure(*dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "devcerts:", err)
		os.Exit(1)
	}
	if created {
		fmt.Printf("dev certificates written to %s\n", *dir)
	}
}
