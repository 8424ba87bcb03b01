package codicefiscale

import (
	"testing"
	"time"
)

var (
	sinkCode   Code
	sinkString string
	sinkErr    error
)

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"plain", "CCCFBA85D03L219P"},
		{"omocode", "CCCFBAURDLPLNMVU"},
		{"lowercase_padded", "  cccfba85d03l219p\n"},
		{"bad_check", "CCCFBA85D03L219B"},
		{"bad_length", "CCCFBA85D03L219"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkCode, sinkErr = Parse(bc.in)
			}
		})
	}
}

func BenchmarkCanonical(b *testing.B) {
	c, err := Parse("CCCFBAURDLPLNMVU")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkString = c.Canonical()
	}
}

func BenchmarkGenerate(b *testing.B) {
	birth := time.Date(1983, time.December, 16, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		sinkString, sinkErr = Generate("Dell'Acqua", "Anna Maria", birth, 'F', "A269")
	}
}
