package esfdata

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/ponte-hub/ponte/internal/store"
)

// ProfileQuery asks for the programme-specific tables of one operation's rounds.
type ProfileQuery struct {
	OperationID string
	// Round is a round number; 0 takes every round.
	Round int
	// AgeBandStarts are the lower bounds of the age bands after the first, ascending: with
	// {25, 35, 45, 55} band 0 is up to 24 and band 4 is 55 and over.
	AgeBandStarts []int
	// HouseholdCap is the household size from which sizes are counted together (6: "6+").
	HouseholdCap int
	// HomeCountry is the ISO code that counts as home in the origin table ("IT").
	HomeCountry string
}

// ProfileCell is one count of a round's table. Category is "" for the missing values.
type ProfileCell struct {
	Round    int
	Table    string
	Category string
	Count    int64
}

// The tables Profile returns cells for.
const (
	ProfileParticipants = "participants"
	ProfileGender       = "gender"
	ProfileOrigin       = "origin"
	ProfileAgeBand      = "age_band"
	ProfileHousehold    = "household_size"
	ProfileServices     = "services"
	// ProfileNoService counts the round's participants for whom no service of the round
	// is recorded, as beneficiary or as the participant of the project it belongs to.
	ProfileNoService = "no_service"
)

// Profile counts the participants of each round (a person entering a round twice
// counts once, with the data of the first entry) by recorded gender, origin (home country
// or not), age band at entry and household size, and the services activated in the
// round by type. Values are taken as recorded: a blank is counted as missing, never
// derived. Every round of the operation gets a participants cell, zero if need be. A
// request transaction needs the store.ClaimESFReport claim.
func Profile(ctx context.Context, t *store.Tx, q ProfileQuery) ([]ProfileCell, error) {
	return store.Query(ctx, t, "esf profile", `WITH r AS (
			SELECT id, number FROM operation_rounds WHERE operation_id = $1 AND ($2::int = 0 OR number = $2::int)
		), pp AS (
			SELECT DISTINCT ON (p.round_id, p.person_id) p.round_id, p.person_id, p.gender, p.country_of_origin, p.household_size,
				extract(year FROM age(p.entry_date, p.birth_date))::int AS age
			FROM participations p JOIN r ON r.id = p.round_id
			WHERE p.operation_id = $1
			ORDER BY p.round_id, p.person_id, p.entry_date
		), cells AS (
			SELECT r.id AS round_id, 'participants' AS tbl, '' AS cat, (SELECT count(*) FROM pp WHERE pp.round_id = r.id) AS n FROM r
			UNION ALL
			SELECT round_id, 'gender', coalesce(gender, ''), count(*) FROM pp GROUP BY 1, 3
			UNION ALL
			SELECT round_id, 'origin', CASE WHEN country_of_origin IS NULL THEN '' WHEN country_of_origin = $5 THEN 'HOME' ELSE 'OTHER' END,
				count(*) FROM pp GROUP BY 1, 3
			UNION ALL
			SELECT round_id, 'age_band', coalesce(width_bucket(age, $3::int[])::text, ''), count(*) FROM pp GROUP BY 1, 3
			UNION ALL
			SELECT round_id, 'household_size', CASE WHEN household_size IS NULL THEN '' ELSE least(household_size, $4::int)::text END,
				count(*) FROM pp GROUP BY 1, 3
			UNION ALL
			-- Services count every intervention of the round, whoever benefits: an owner
			-- function behind the ESF+ report claim (migration 00340).
			SELECT s.round_id, s.tbl, s.cat, s.n FROM esf_profile_services($1, $2) s
		)
		SELECT r.number, c.tbl, c.cat, c.n FROM cells c JOIN r ON r.id = c.round_id ORDER BY r.number, c.tbl, c.cat`,
		[]any{q.OperationID, q.Round, q.AgeBandStarts, q.HouseholdCap, q.HomeCountry},
		func(r pgx.Rows) (ProfileCell, error) {
			var c ProfileCell
			err := r.Scan(&c.Round, &c.Table, &c.Category, &c.Count)
			return c, err
		})
}

// ProfileServiceTypes lists the service types activated in any round of an operation,
// whichever rounds a profile shows: a type missing from a round is then "not offered" there
// rather than absent from the table.
func ProfileServiceTypes(ctx context.Context, t *store.Tx, operationID string) ([]string, error) {
	// Every intervention counts, whoever benefits: the owner's function (migration 00340).
	return store.Query(ctx, t, "esf profile service types", `SELECT s FROM esf_profile_service_types($1) s`, []any{operationID},
		func(r pgx.Rows) (string, error) {
			var s string
			err := r.Scan(&s)
			return s, err
		})
}
