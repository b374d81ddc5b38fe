//go:build tools

// Package tools pins kwok, which makes fake nodes run pods.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
