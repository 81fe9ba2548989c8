-- Each edge's callee-side latency (NULL in rows written before it was kept).
ALTER TABLE edge_minutes ADD COLUMN server_latency BLOB;
-- A service's own work (its SERVER and CONSUMER spans), a row per flush and minute.
CREATE TABLE service_minutes (
    bucket_start BIGINT NOT NULL,
    service TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BLOB NOT NULL
);
CREATE INDEX service_minutes_by_time ON service_minutes (bucket_start);
-- The same per operation (`METHOD /route`, RPC method or span name).
CREATE TABLE operation_minutes (
    bucket_start BIGINT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    latency BLOB NOT NULL
);
CREATE INDEX operation_minutes_by_service ON operation_minutes (service, bucket_start);
-- Deploys detected from a change of service.version in the traces.
CREATE TABLE deploys (
    service TEXT NOT NULL,
    at_unix_nanos BIGINT NOT NULL,
    from_version TEXT NOT NULL,
    to_version TEXT NOT NULL,
    environment TEXT,
    detected_at BIGINT NOT NULL
);
CREATE INDEX deploys_by_service ON deploys (service, at_unix_nanos);
