package identity

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
)

func TestParseKeys(t *testing.T) {
	pub, key := mustKey()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	// What `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	pubPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	for name, s := range map[string]string{"PEM": keyPEM, "base64 seed": EncodePrivateKey(key), "base64 seed with newline": EncodePrivateKey(key) + "\n"} {
		got, err := ParsePrivateKey(s)
		if err != nil || !got.Equal(key) {
			t.Errorf("private key as %s: %v", name, err)
		}
	}
	for name, s := range map[string]string{"PEM": pubPEM, "base64": EncodePublicKey(pub), "base64 with newline": EncodePublicKey(pub) + "\n"} {
		got, err := ParsePublicKeys(s)
		if err != nil || len(got) != 1 || !got[0].Equal(pub) {
			t.Errorf("public key as %s: %v, %v", name, got, err)
		}
	}
	// Two keys while the gateway's key is rotated.
	next, _ := mustKey()
	nextDER, _ := x509.MarshalPKIXPublicKey(next)
	nextPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: nextDER}))
	for name, s := range map[string]string{"PEM": pubPEM + nextPEM, "base64": EncodePublicKey(pub) + "," + EncodePublicKey(next), "base64 on lines": EncodePublicKey(pub) + "\n" + EncodePublicKey(next)} {
		got, err := ParsePublicKeys(s)
		if err != nil || len(got) != 2 || !got[0].Equal(pub) || !got[1].Equal(next) {
			t.Errorf("two public keys as %s: %v, %v", name, got, err)
		}
	}

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	for name, s := range map[string]string{
		"empty":              "",
		"not base64":         "not a key!",
		"31-byte seed":       base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"64-byte key":        base64.StdEncoding.EncodeToString(key),
		"public key PEM":     pubPEM,
		"ECDSA key":          string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})),
		"garbage in the PEM": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})),
	} {
		if _, err := ParsePrivateKey(s); !errors.Is(err, ErrKey) {
			t.Errorf("private key %s: err = %v, want ErrKey", name, err)
		}
	}
	for name, s := range map[string]string{
		"empty":           "",
		"31 bytes":        base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"private key PEM": keyPEM,
		"ECDSA key":       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPubDER})),
		"a key and junk":  EncodePublicKey(pub) + ",junk",
		"a PEM and junk":  pubPEM + "junk",
		"only commas":     ",,",
	} {
		if _, err := ParsePublicKeys(s); !errors.Is(err, ErrKey) {
			t.Errorf("public key %s: err = %v, want ErrKey", name, err)
		}
	}
}

// TestDevKeyPair: the dev public key verifies what the dev private key signs (`make run`, the e2e tests).
func TestDevKeyPair(t *testing.T) {
	key, err := ParsePrivateKey(DevPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	pubs, err := ParsePublicKeys(DevPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub := pubs[0]
	if len(pubs) != 1 || !pub.Equal(key.Public()) {
		t.Fatalf("DevPublicKey is not the public half of DevPrivateKey (want %s)", EncodePublicKey(key.Public().(ed25519.PublicKey)))
	}
	tok := NewIssuer(key).Sign(Identity{Subject: "u", Roles: []Role{Donor}}, "funding")
	if _, err := NewVerifier("funding", pub).Verify(tok); err != nil {
		t.Error(err)
	}
}

// TestVerifyDuringRotation: a service given the old and the new public key accepts identities signed with
// either; given only the new one, it refuses the old key's.
func TestVerifyDuringRotation(t *testing.T) {
	oldPub, oldKey := mustKey()
	newPub, newKey := mustKey()
	id := Identity{Subject: "u", Roles: []Role{Donor}}
	both := NewVerifier("funding", oldPub, newPub)
	for name, key := range map[string]ed25519.PrivateKey{"old": oldKey, "new": newKey} {
		if _, err := both.Verify(NewIssuer(key).Sign(id, "funding")); err != nil {
			t.Errorf("both keys, signed with the %s: %v", name, err)
		}
	}
	if _, err := NewVerifier("funding", newPub).Verify(NewIssuer(oldKey).Sign(id, "funding")); !errors.Is(err, ErrSignature) {
		t.Errorf("only the new key, signed with the old: %v, want ErrSignature", err)
	}
	if _, err := NewVerifier("funding").Verify(NewIssuer(oldKey).Sign(id, "funding")); !errors.Is(err, ErrSignature) {
		t.Errorf("no key: %v, want ErrSignature", err)
	}
}
