// Package kubernetes holds the offline checks of the Kustomize manifests beside it (base/, components/,
// overlays/): every overlay is built with the Kustomize library and every object decoded strictly into the
// Kubernetes API types (unknown or misspelt fields fail), and the workloads, Secrets and NetworkPolicies are
// checked against the code (services/*/main.go, gateway/main.go, pkg/addrs).
package kubernetes
