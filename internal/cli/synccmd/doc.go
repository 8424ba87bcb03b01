// Package synccmd is `ponte sync`: the registries read into DATABASE_URL in this process,
// with progress and a summary per collection, or the syncs handed to the hub's job queue.
package synccmd
