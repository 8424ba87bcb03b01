// Package igrue writes the national monitoring protocol's indicator records (IGRUE
// "Protocollo Unico di Colloquio"): IN00 and IN01 per operation, from the values and
// targets internal/esf counts for each operation, in the protocol's file layout, a review
// listing, and the reading back of a file transmitted before so that what the hub no
// longer produces goes out cancelled.
package igrue
