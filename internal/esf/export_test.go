package esf

import (
	"github.com/ponte-hub/ponte/internal/store/esfdata"
)

// SealForTest signs a stored report row as Freeze does, for tests that forge reports the
// way someone who knows the format and holds another key would.
func SealForTest(s *Signer, row *esfdata.FrozenReport, records int64, recordsDigest string) error {
	return seal(s, row, records, recordsDigest)
}

// ReportHashForTest is the plain hash Frozen.Hash documents.
func ReportHashForTest(body []byte, recordsDigest string) string {
	return reportHash(body, recordsDigest)
}
