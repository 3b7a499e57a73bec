package kubernetes

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The custom resources, as far as these manifests use them: decoding is strict, so a field that is not
// declared here (a typo, or one the CRD does not have) fails the build test. Field names follow the CRDs'
// schemas: cert-manager.io/v1 and postgresql.cnpg.io/v1.

// Certificate is a cert-manager.io/v1 Certificate.
type Certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SecretName  string    `json:"secretName"`
		IssuerRef   ObjectRef `json:"issuerRef"`
		CommonName  string    `json:"commonName,omitempty"`
		URIs        []string  `json:"uris,omitempty"`
		DNSNames    []string  `json:"dnsNames,omitempty"`
		IsCA        bool      `json:"isCA,omitempty"`
		Usages      []string  `json:"usages,omitempty"`
		Duration    string    `json:"duration,omitempty"`
		RenewBefore string    `json:"renewBefore,omitempty"`
		PrivateKey  *struct {
			Algorithm      string `json:"algorithm,omitempty"`
			Size           int    `json:"size,omitempty"`
			RotationPolicy string `json:"rotationPolicy,omitempty"`
		} `json:"privateKey,omitempty"`
	} `json:"spec"`
}

// ObjectRef is cert-manager's reference to an issuer.
type ObjectRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Group string `json:"group,omitempty"`
}

// Issuer is a cert-manager.io/v1 Issuer.
type Issuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SelfSigned *struct{} `json:"selfSigned,omitempty"`
		CA         *struct {
			SecretName string `json:"secretName"`
		} `json:"ca,omitempty"`
	} `json:"spec"`
}

// Cluster is a CloudNativePG postgresql.cnpg.io/v1 Cluster.
type Cluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Instances             int    `json:"instances"`
		ImageName             string `json:"imageName,omitempty"`
		PrimaryUpdateStrategy string `json:"primaryUpdateStrategy,omitempty"`
		Storage               struct {
			Size string `json:"size"`
		} `json:"storage"`
		Bootstrap *struct {
			InitDB *struct {
				Database string         `json:"database"`
				Owner    string         `json:"owner"`
				Secret   *NameReference `json:"secret,omitempty"`
			} `json:"initdb,omitempty"`
		} `json:"bootstrap,omitempty"`
		Managed *struct {
			Roles []struct {
				Name           string         `json:"name"`
				Ensure         string         `json:"ensure,omitempty"`
				Login          bool           `json:"login,omitempty"`
				CreateRole     bool           `json:"createrole,omitempty"`
				PasswordSecret *NameReference `json:"passwordSecret,omitempty"`
			} `json:"roles,omitempty"`
		} `json:"managed,omitempty"`
		PostgreSQL *struct {
			Parameters map[string]string `json:"parameters,omitempty"`
		} `json:"postgresql,omitempty"`
		Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
	} `json:"spec"`
}

// NameReference is CNPG's reference to a Secret.
type NameReference struct {
	Name string `json:"name"`
}
