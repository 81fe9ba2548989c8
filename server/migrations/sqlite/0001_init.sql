-- Catalog entities in Backstage's JSON shape, keyed by their lower-case ref.
CREATE TABLE entities (
    entity_ref TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Observed edges: one row per flush per edge per minute; reads merge rows
-- (counts add, histograms merge). Latency is an HDR histogram (V2 encoding).
CREATE TABLE edge_minutes (
    bucket_start BIGINT NOT NULL,
    source_kind TEXT NOT NULL,
    source_name TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_name TEXT NOT NULL,
    connection_type TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BLOB NOT NULL
);
CREATE INDEX edge_minutes_by_time ON edge_minutes (bucket_start);
