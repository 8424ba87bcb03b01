-- +goose Up
-- A value can reveal a special category by itself: an intervention of psychological
-- support says its beneficiary has a mental-health need, home care that they depend on
-- assistance for a disability or illness. Such an intervention is health data (GDPR
-- Art. 9) whatever field of it is read, so a request that may not read health data does
-- not see these interventions at all: not their type, not their dates, not that they
-- exist. The list is data, kept in one place; access.RevealingServiceTypes is its Go twin
-- (a test keeps them equal).
CREATE TABLE service_type_categories (
    service_type text PRIMARY KEY,
    category     text NOT NULL CHECK (category IN ('health', 'special_other', 'judicial'))
);
INSERT INTO service_type_categories (service_type, category) VALUES
    ('PSYCHOLOGICAL_SUPPORT', 'health'),
    ('HOME_CARE', 'health');
GRANT SELECT ON service_type_categories TO ponte_app;

-- The backstop: a restrictive policy, so it holds whatever the scope policy admits. A
-- request transaction sees a revealing intervention only with the claim ponte.health =
-- read, which the hub sets for plans that may read health data.
CREATE POLICY revealing_services ON interventions AS RESTRICTIVE
    USING ((SELECT ponte_unrestricted()) OR (SELECT ponte_claim('health')) = 'read'
        OR NOT EXISTS (SELECT 1 FROM service_type_categories s WHERE s.service_type = interventions.service_type AND s.category = 'health'));

-- +goose Down
DROP POLICY revealing_services ON interventions;
DROP TABLE service_type_categories;
