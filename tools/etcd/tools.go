//go:build tools

// Package tools pins the etcd server that bootstrap builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
