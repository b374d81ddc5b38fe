//go:build tools

// Package tools pins the helm CLI used for `helm template` and the benchmark's baseline.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
