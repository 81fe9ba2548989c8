-- Deploys reported to Meridian (`POST /api/v1/deploys`, and later GitHub's
-- deployments and releases), one row per source and deploy: a report sent
-- again replaces its row. `environment` is '' when none was given, so the
-- key holds.
CREATE TABLE reported_deploys (
    source TEXT NOT NULL,
    service TEXT NOT NULL,
    version TEXT NOT NULL,
    environment TEXT NOT NULL,
    at_unix_secs BIGINT NOT NULL,
    commit_sha TEXT,
    url TEXT,
    PRIMARY KEY (source, service, version, environment)
);
CREATE INDEX reported_deploys_by_time ON reported_deploys (at_unix_secs);
