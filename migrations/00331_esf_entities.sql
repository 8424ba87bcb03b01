-- +goose Up
-- The entities an operation supports (EECO18 public administrations or public services,
-- EECO19 micro, small and medium-sized enterprises, cooperatives and social enterprises
-- included) get an input: an import names each organisation by its tax number, and says
-- which of the two it was supported as.
--
-- Until now the report counted every organisation that is not public under EECO19. Not
-- being public does not make an organisation an SME: a large enterprise, or an association
-- or foundation that is no enterprise, counts under neither indicator. So each supported
-- entity now records the indicator it counts under (kind), stated when its support is
-- recorded, as it stands then: an SME's size (Commission Recommendation 2003/361/EC) is
-- judged at the time of the support, and can change later. Rows recorded before keep what
-- the old rule counted them as, so no reported value moves.

-- The organisation's 11-digit tax number (partita IVA, or the numeric codice fiscale of a
-- body without one), or a sole trader's personal codice fiscale; validated by the import
-- (pkg/partitaiva, pkg/codicefiscale).
ALTER TABLE organisations ADD COLUMN tax_code text UNIQUE CHECK (tax_code ~ '^([0-9]{11}|[A-Z0-9]{16})$');

ALTER TABLE operation_entities ADD COLUMN kind text CHECK (kind IN ('PUBLIC_ADMINISTRATION', 'SME'));
UPDATE operation_entities oe SET kind = CASE WHEN o.is_public THEN 'PUBLIC_ADMINISTRATION' ELSE 'SME' END
FROM organisations o WHERE o.id = oe.organisation_id;
ALTER TABLE operation_entities ALTER COLUMN kind SET NOT NULL;

-- +goose Down
ALTER TABLE operation_entities DROP COLUMN kind;
ALTER TABLE organisations DROP COLUMN tax_code;
