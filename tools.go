//go:build tools

// Package tools pins the code generators the build uses, so `go generate` needs no installs.
package tools

import _ "github.com/99designs/gqlgen"
