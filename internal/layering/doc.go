// Package layering holds no code: its test checks that the module's imports point one
// way, cmd (with its subcommands, internal/cli) → graph → internal → connectors → pkg,
// so that the leaves stay leaves and the production packages do not import the
// simulators.
package layering
