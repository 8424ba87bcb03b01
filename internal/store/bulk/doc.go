// Package bulk loads whole datasets (the demo, synthetic load-test populations) with COPY
// in one transaction.
package bulk
