package codicefiscale_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/ponte-hub/ponte/pkg/codicefiscale"
)

func ExampleParse() {
	c, err := codicefiscale.Parse(" cccfbaurdlplnmvu ")
	if err != nil {
		fmt.Println(err)
		return
	}
	entry := time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println(c, c.IsOmocode(), c.Canonical())
	fmt.Println(string(c.Sex()), c.BirthDate(entry).Format(time.DateOnly), c.Birthplace())

	_, err = codicefiscale.Parse("CCCFBA85D03L219B")
	fmt.Println(errors.Is(err, codicefiscale.ErrCheck), err)
	// Output:
	// CCCFBAURDLPLNMVU true CCCFBA85D03L219P
	// M 1985-04-03 L219
	// true codicefiscale: tax_code: check character: want P, got B
}

func ExampleCode_BirthDate() {
	c, err := codicefiscale.Parse("RSSMRA26T01H501Z") // born 1 December of a year ending in 26
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ref := range []time.Time{
		time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC),
	} {
		fmt.Println(ref.Format(time.DateOnly), "->", c.BirthDate(ref).Format(time.DateOnly))
	}
	// Output:
	// 2026-03-01 -> 1926-12-01
	// 2026-12-01 -> 2026-12-01
}

func ExampleGenerate() {
	code, err := codicefiscale.Generate("Martini", "Maria", time.Date(1983, time.December, 16, 0, 0, 0, 0, time.UTC), 'F', "A269")
	fmt.Println(code, err)
	// Output:
	// MRTMRA83T56A269B <nil>
}
