-- Every version each service has run, with its newest span: what a
-- restarted collector seeds its deploy detection from, and what the deploy
-- history shows as "running".
CREATE TABLE service_versions (
    service TEXT NOT NULL,
    version TEXT NOT NULL,
    environment TEXT,
    last_seen_unix_nanos BIGINT NOT NULL,
    PRIMARY KEY (service, version)
);
