package main

import (
	"os"
	"testing"

	"github.com/ponte-hub/ponte/internal/pgtest"
)

// TestMain stops the throw-away PostgreSQL pgtest starts when the suite runs without
// DATABASE_URL.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
