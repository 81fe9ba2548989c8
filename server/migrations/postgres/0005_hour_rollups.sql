-- Hour buckets, rolled up from minute buckets once an hour is complete
-- (minutes are kept 48 hours, hours 90 days, by default).
CREATE TABLE edge_hours (
    bucket_start BIGINT NOT NULL,
    source_kind TEXT NOT NULL,
    source_name TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_name TEXT NOT NULL,
    connection_type TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BYTEA NOT NULL,
    server_latency BYTEA
);
CREATE INDEX edge_hours_by_time ON edge_hours (bucket_start);
CREATE TABLE service_hours (
    bucket_start BIGINT NOT NULL,
    service TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BYTEA NOT NULL
);
CREATE INDEX service_hours_by_time ON service_hours (bucket_start);
CREATE TABLE operation_hours (
    bucket_start BIGINT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BYTEA NOT NULL
);
CREATE INDEX operation_hours_by_service ON operation_hours (service, bucket_start);
-- How far minute buckets have been rolled up into hours (exclusive, unix seconds).
CREATE TABLE rollups (
    name TEXT PRIMARY KEY,
    done_until BIGINT NOT NULL
);
