// Package relay holds the Go side of the schema's Relay conventions.
package relay

// Node is any object the API can return from node(id:). The concrete types are the
// store's rows; the executor switches on them.
type Node any
