-- Entities registered through POST /api/v1/entities (Backstage JSON shape).
CREATE TABLE registered_entities (
    entity_ref TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
