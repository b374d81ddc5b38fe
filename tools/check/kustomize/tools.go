//go:build tools

// Package tools pins kustomize, which the export test builds the exported kustomizations with (as Argo CD and
// Flux do).
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
