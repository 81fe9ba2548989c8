-- Every version of an API entity's definition Meridian has seen, in order:
-- a row is added when the definition differs from the API's latest one
-- (so a revert is a new version). `source` is the location that brought it
-- (`backstage.io/managed-by-location`), `hash` the XXH3 of the text.
CREATE TABLE api_versions (
    entity_ref TEXT NOT NULL,
    version BIGINT NOT NULL,
    hash TEXT NOT NULL,
    api_type TEXT NOT NULL,
    definition TEXT NOT NULL,
    first_seen_unix_secs BIGINT NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (entity_ref, version)
);
