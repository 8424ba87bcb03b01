-- +goose Up
-- Core case data: organisations and their staff, persons, households, cases and the
-- personalised-project workflow (assessment, project, interventions, activity register),
-- and the ESF+ operations with their rounds and participations.
--
-- Vocabularies are CHECK constraints rather than enum types: adding a value is a one-line
-- migration and never needs an ALTER TYPE outside a transaction.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organisations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('MUNICIPALITY', 'HEALTH_SOCIAL_AGENCY', 'COOPERATIVE',
                    'EMPLOYMENT_CENTRE', 'SCHOOL', 'MANAGING_AUTHORITY', 'OTHER')),
    -- ISTAT/Belfiore code of the territory the organisation serves; drives territorial scope.
    territory   text,
    -- Legal size class, needed for ESF entity indicator EECO19 (SMEs incl. cooperatives).
    is_public   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE departments (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    code            text NOT NULL,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('SOCIAL_CARE', 'HOUSING', 'EMPLOYMENT', 'EDUCATION', 'HEALTH', 'OTHER')),
    UNIQUE (organisation_id, code)
);
CREATE INDEX departments_organisation_idx ON departments (organisation_id);

-- Staff are the people who act in the workflow (social workers, case managers, officers).
-- subject is the identity-provider subject, so tokens map to a staff row.
CREATE TABLE staff (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject         text NOT NULL UNIQUE,
    display_name    text NOT NULL,
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    department_id   uuid REFERENCES departments(id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_organisation_idx ON staff (organisation_id);

CREATE TABLE persons (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tax_code                text NOT NULL UNIQUE CHECK (tax_code ~ '^[A-Z0-9]{16}$'),
    given_name              text NOT NULL,
    family_name             text NOT NULL,
    birth_date              date,
    -- Belfiore code of the birthplace (Z### for a foreign country).
    birth_place             text,
    -- NULL means unknown: the hub reports missing values, it never invents them.
    gender                  text CHECK (gender IN ('FEMALE', 'MALE', 'NON_BINARY')),
    citizenship             text CHECK (citizenship ~ '^[A-Z]{2}$'),
    country_of_birth        text CHECK (country_of_birth ~ '^[A-Z]{2}$'),
    residence_municipality  text,
    phone                   text,
    email                   text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_name_trgm_idx ON persons USING gin ((family_name || ' ' || given_name) gin_trgm_ops);

CREATE TABLE households (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    label                   text NOT NULL,
    residence_municipality  text,
    created_at              timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE household_members (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    household_id    uuid NOT NULL REFERENCES households(id),
    person_id       uuid NOT NULL REFERENCES persons(id),
    relationship    text NOT NULL CHECK (relationship IN ('HEAD', 'SPOUSE', 'PARTNER', 'CHILD', 'PARENT',
                        'SIBLING', 'GRANDCHILD', 'GRANDPARENT', 'OTHER_RELATIVE', 'OTHER')),
    valid_from      date NOT NULL,
    valid_to        date,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX household_members_household_idx ON household_members (household_id);
CREATE INDEX household_members_person_idx ON household_members (person_id);

CREATE TABLE cases (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reference       text NOT NULL UNIQUE,
    -- A case takes in charge a household, a single person, or both (the household of a person).
    household_id    uuid REFERENCES households(id),
    person_id       uuid REFERENCES persons(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    lead_worker_id  uuid NOT NULL REFERENCES staff(id),
    status          text NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'SUSPENDED', 'CLOSED')),
    opened_on       date NOT NULL,
    closed_on       date,
    closure_reason  text,
    summary         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (household_id IS NOT NULL OR person_id IS NOT NULL),
    CHECK (closed_on IS NULL OR closed_on >= opened_on),
    CHECK ((status = 'CLOSED') = (closed_on IS NOT NULL))
);
CREATE INDEX cases_household_idx ON cases (household_id);
CREATE INDEX cases_person_idx ON cases (person_id);
CREATE INDEX cases_organisation_idx ON cases (organisation_id);
CREATE INDEX cases_opened_idx ON cases (opened_on, id);

CREATE TABLE case_departments (
    case_id         uuid NOT NULL REFERENCES cases(id),
    department_id   uuid NOT NULL REFERENCES departments(id),
    PRIMARY KEY (case_id, department_id)
);
CREATE INDEX case_departments_department_idx ON case_departments (department_id);

CREATE TABLE case_organisations (
    case_id         uuid NOT NULL REFERENCES cases(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    role            text NOT NULL CHECK (role IN ('LEAD', 'PARTNER', 'PROVIDER')),
    PRIMARY KEY (case_id, organisation_id)
);
CREATE INDEX case_organisations_organisation_idx ON case_organisations (organisation_id);

-- Staff explicitly assigned to a case besides the lead worker (row scope "assigned cases").
CREATE TABLE case_assignments (
    case_id     uuid NOT NULL REFERENCES cases(id),
    staff_id    uuid NOT NULL REFERENCES staff(id),
    PRIMARY KEY (case_id, staff_id)
);
CREATE INDEX case_assignments_staff_idx ON case_assignments (staff_id);

-- The access & evaluation form.
CREATE TABLE assessments (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id                 uuid NOT NULL REFERENCES cases(id),
    person_id               uuid NOT NULL REFERENCES persons(id),
    assessor_id             uuid NOT NULL REFERENCES staff(id),
    assessed_on             date NOT NULL,
    work_experience         text,
    professional_interests  text,
    health_notes            text,
    proposed_interventions  text[] NOT NULL DEFAULT '{}',
    created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assessments_case_idx ON assessments (case_id);

-- One row per employability area; scores run 1 (serious difficulty) to 5 (no difficulty).
CREATE TABLE assessment_scores (
    assessment_id   uuid NOT NULL REFERENCES assessments(id),
    area            text NOT NULL CHECK (area IN ('PERSONAL_CONDITIONS', 'FAMILY_CONDITIONS_NETWORKS',
                        'ECONOMIC_SITUATION', 'EDUCATION_TRAINING_SKILLS', 'COMMUNICATION_SKILLS',
                        'ITALIAN_LANGUAGE', 'DIGITAL_SKILLS', 'EMPLOYMENT_STABILITY',
                        'TRANSVERSAL_SKILLS', 'MOBILITY_AUTONOMY')),
    score           smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
    note            text,
    PRIMARY KEY (assessment_id, area)
);

CREATE TABLE projects (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id                     uuid NOT NULL REFERENCES cases(id),
    -- The project may target another household member than the person first assessed.
    participant_id              uuid NOT NULL REFERENCES persons(id),
    case_manager_id             uuid REFERENCES staff(id),
    provider_organisation_id    uuid NOT NULL REFERENCES organisations(id),
    title                       text NOT NULL,
    objectives                  text[] NOT NULL DEFAULT '{}',
    status                      text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'ACTIVE', 'SUSPENDED', 'CONCLUDED', 'INTERRUPTED')),
    started_on                  date,
    ended_on                    date,
    objectives_achieved         text,
    skills_acquired             text,
    critical_issues             text,
    resources_activated         text,
    outcome                     text CHECK (outcome IN ('HIRED_BY_HOST', 'HIRED_ELSEWHERE', 'TRAINING_COMPLETED',
                                    'DIPLOMA_OBTAINED', 'WITHDREW', 'INTERRUPTED')),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on)
);
CREATE INDEX projects_case_idx ON projects (case_id);
CREATE INDEX projects_participant_idx ON projects (participant_id);
CREATE INDEX projects_provider_idx ON projects (provider_organisation_id);

CREATE TABLE operations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- CUP code of the operation.
    code                text NOT NULL UNIQUE,
    name                text NOT NULL,
    programme           text NOT NULL,
    priority            text NOT NULL,
    specific_objective  text NOT NULL CHECK (specific_objective ~ '^ESO4\.([1-9]|1[0-3])$'),
    category_of_region  text NOT NULL CHECK (category_of_region IN ('LESS_DEVELOPED', 'TRANSITION', 'MORE_DEVELOPED')),
    funding_source      text NOT NULL,
    starts_on           date NOT NULL,
    ends_on             date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE TABLE operation_rounds (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operation_id    uuid NOT NULL REFERENCES operations(id),
    number          integer NOT NULL CHECK (number > 0),
    starts_on       date NOT NULL,
    ends_on         date,
    funding_source  text,
    UNIQUE (operation_id, number),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE TABLE interventions (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id                     uuid NOT NULL REFERENCES cases(id),
    project_id                  uuid REFERENCES projects(id),
    round_id                    uuid REFERENCES operation_rounds(id),
    service_type                text NOT NULL CHECK (service_type IN ('INTERNSHIP', 'TRAINING_FORKLIFT',
                                    'TRAINING_ITALIAN', 'TRAINING_HACCP', 'TRAINING_WORKPLACE_SAFETY', 'TRAINING_IT',
                                    'TRAINING_SOFT_SKILLS', 'HOME_EDUCATION_MINORS', 'HOME_CARE',
                                    'PSYCHOLOGICAL_SUPPORT', 'ORIENTATION', 'HOUSING_EMERGENCY', 'OTHER')),
    provider_organisation_id    uuid NOT NULL REFERENCES organisations(id),
    operator                    text,
    -- The household member who benefits, often a minor rather than the project participant.
    beneficiary_id              uuid NOT NULL REFERENCES persons(id),
    starts_on                   date,
    ends_on                     date,
    planned_hours               numeric(8,2) CHECK (planned_hours >= 0),
    hours_delivered             numeric(8,2) NOT NULL DEFAULT 0 CHECK (hours_delivered >= 0),
    status                      text NOT NULL DEFAULT 'PLANNED' CHECK (status IN ('PLANNED', 'ACTIVE', 'COMPLETED', 'INTERRUPTED')),
    interruption_reason         text,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX interventions_case_idx ON interventions (case_id);
CREATE INDEX interventions_project_idx ON interventions (project_id);
CREATE INDEX interventions_beneficiary_idx ON interventions (beneficiary_id);
CREATE INDEX interventions_round_idx ON interventions (round_id);

-- The case manager's activity register: append-only by design.
CREATE TABLE activity_entries (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases(id),
    project_id  uuid REFERENCES projects(id),
    author_id   uuid NOT NULL REFERENCES staff(id),
    occurred_on date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('MEETING', 'CALL', 'HOME_VISIT', 'COORDINATION', 'NOTE')),
    minutes     integer CHECK (minutes >= 0),
    note        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_entries_case_idx ON activity_entries (case_id, occurred_on);

-- A person in an ESF+ operation, with the characteristics at entry as they were on the entry
-- date (never today's values). A person re-entering an operation gets a second row; the ESF
-- engine merges them into one participant.
CREATE TABLE participations (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    operation_id            uuid NOT NULL REFERENCES operations(id),
    round_id                uuid REFERENCES operation_rounds(id),
    person_id               uuid NOT NULL REFERENCES persons(id),
    entry_date              date NOT NULL,
    exit_date               date,
    gender                  text CHECK (gender IN ('F', 'M', 'NB')),
    birth_date              date,
    employment_status       text CHECK (employment_status IN ('UNEMPLOYED', 'INACTIVE', 'EMPLOYED')),
    unemployment_months     integer CHECK (unemployment_months >= 0),
    isced                   smallint CHECK (isced BETWEEN 0 AND 8),
    household_size          smallint CHECK (household_size > 0),
    -- ISO 3166 alpha-2 country of origin; used by the programme-specific tables.
    country_of_origin       text CHECK (country_of_origin ~ '^[A-Z]{2}$'),
    -- Annex I point 1.2 flags: Y(es), N(o), E (informed estimate); NULL is unknown.
    disability              text CHECK (disability IN ('Y', 'N', 'E')),
    third_country_national  text CHECK (third_country_national IN ('Y', 'N', 'E')),
    foreign_background      text CHECK (foreign_background IN ('Y', 'N', 'E')),
    minority                text CHECK (minority IN ('Y', 'N', 'E')),
    homeless                text CHECK (homeless IN ('Y', 'N', 'E')),
    rural                   text CHECK (rural IN ('Y', 'N', 'E')),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operation_id, person_id, entry_date),
    CHECK (exit_date IS NULL OR exit_date >= entry_date)
);
CREATE INDEX participations_person_idx ON participations (person_id);
CREATE INDEX participations_round_idx ON participations (round_id);

-- +goose Down
DROP TABLE participations, activity_entries, interventions, operation_rounds, operations, projects,
    assessment_scores, assessments, case_assignments, case_organisations, case_departments, cases,
    household_members, households, persons, staff, departments, organisations;
