-- Calls of each operation of a service by each calling service (paired
-- CLIENT→SERVER spans): an API operation's consumers. A row per flush and
-- minute, merged into hours like the other families.
CREATE TABLE caller_minutes (
    bucket_start BIGINT NOT NULL,
    caller TEXT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    calls BIGINT NOT NULL,
    errors BIGINT NOT NULL
);
CREATE INDEX caller_minutes_by_service ON caller_minutes (service, bucket_start);
CREATE INDEX caller_minutes_by_time ON caller_minutes (bucket_start);
CREATE TABLE caller_hours (
    bucket_start BIGINT NOT NULL,
    caller TEXT NOT NULL,
    service TEXT NOT NULL,
    operation TEXT NOT NULL,
    calls BIGINT NOT NULL,
    errors BIGINT NOT NULL
);
CREATE INDEX caller_hours_by_service ON caller_hours (service, bucket_start);
CREATE INDEX caller_hours_by_time ON caller_hours (bucket_start);
