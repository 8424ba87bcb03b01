-- +goose Up
-- The case and person lists page in the order of these indexes: a page walks the index
-- from its cursor and stops after the page, instead of sorting every row in scope. The
-- expressions are the lists' sort keys, written in the store (internal/store) exactly as
-- here; they are immutable (no to_char, no date-to-text cast, which depend on settings) so
-- that they can be indexed.

-- Cases, most recently opened first: the days from the opening to the end of time, padded.
CREATE INDEX cases_list_order_idx ON cases ((lpad((DATE '9999-12-31' - opened_on)::text, 7, '0')), id);
-- Persons by family name and given name.
CREATE INDEX persons_list_order_idx ON persons ((family_name || ' ' || given_name), id);

-- +goose Down
DROP INDEX persons_list_order_idx, cases_list_order_idx;
