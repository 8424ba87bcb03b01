package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSeedRejectsBadArguments(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--scale", "-1"}, "--scale: must be between 0 and"},
		{[]string{"--scale", "99999999"}, "--scale: must be between 0 and"},
		{[]string{"--scale", "many"}, "invalid value"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{nil, "DATABASE_URL is not set"},
	} {
		err := runSeed(context.Background(), tc.args)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
	}
}
