// Package graph holds the GraphQL resolvers: thin adapters from the schema to the workflow
// (internal/casework), the store and the sub-packages that answer each area, all working
// through the operation's request (graph/request) and its loaders (graph/loaders), which
// keep SQL round trips independent of page size.
package graph

import "github.com/ponte-hub/ponte/internal/esf"

// Resolver is the root resolver; it holds the request-independent dependencies.
type Resolver struct {
	// ESFSigner signs frozen ESF+ reports and checks their signatures; without it
	// freezeEsfReport and verifyFrozenEsfReport are UNAVAILABLE.
	ESFSigner *esf.Signer
}
