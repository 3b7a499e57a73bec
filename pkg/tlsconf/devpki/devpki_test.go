package devpki

import (
	"os"
	"testing"

	"github.com/commonweal/commonweal/pkg/tlsconf"
)

func TestEnsureWritesOnceAndAgainWhenMissing(t *testing.T) {
	dir := t.TempDir()
	created, err := Ensure(dir)
	if err != nil || !created {
		t.Fatalf("Ensure on an empty dir = %v, %v", created, err)
	}
	ca, _ := os.ReadFile(Paths(dir, "gateway").CA)
	for _, name := range Names {
		src, err := tlsconf.Load(Paths(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cert, _ := src.Certificate()
		if got, _ := tlsconf.NameOf(cert.Leaf); got != name {
			t.Errorf("%s's certificate names %q", name, got)
		}
		if cert.Leaf.DNSNames[0] != "localhost" || !cert.Leaf.IPAddresses[0].IsLoopback() {
			t.Errorf("%s: SANs %v %v", name, cert.Leaf.DNSNames, cert.Leaf.IPAddresses)
		}
	}
	if created, err := Ensure(dir); err != nil || created {
		t.Fatalf("Ensure with every file present = %v, %v; want nothing made", created, err)
	}
	if again, _ := os.ReadFile(Paths(dir, "gateway").CA); string(again) != string(ca) {
		t.Fatal("the CA was replaced though every file was there")
	}
	os.Remove(Paths(dir, "funding").Key)
	if created, err := Ensure(dir); err != nil || !created {
		t.Fatalf("Ensure with a key missing = %v, %v; want a new set", created, err)
	}
	if again, _ := os.ReadFile(Paths(dir, "gateway").CA); string(again) == string(ca) {
		t.Fatal("a missing file did not make a new CA")
	}
}
