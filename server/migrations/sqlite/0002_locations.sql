-- Locations registered through the API (those given with --catalog are not stored).
CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    target TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
