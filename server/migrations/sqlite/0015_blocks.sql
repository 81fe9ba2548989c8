-- Observed traffic as blocks: one row holds every key of a family for one
-- bucket (a flush's minute, or a roll-up's ten minutes, hour or day), keys as
-- ids of `series`. The per-key tables before it are read once, converted
-- and emptied at start (server/src/store/buckets.rs).
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    family TEXT NOT NULL,
    key TEXT NOT NULL,
    UNIQUE (family, key)
);
CREATE TABLE blocks (
    family TEXT NOT NULL,
    resolution BIGINT NOT NULL,
    bucket_start BIGINT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX blocks_by_time ON blocks (family, resolution, bucket_start);
-- The conversion reads the per-key tables a bucket at a time.
CREATE INDEX IF NOT EXISTS operation_minutes_by_time ON operation_minutes (bucket_start);
CREATE INDEX IF NOT EXISTS operation_hours_by_time ON operation_hours (bucket_start);
