-- When each deployed commit was made (from GitHub): DORA's lead time for
-- changes runs from it to the deploy.
CREATE TABLE commit_times (
    sha TEXT PRIMARY KEY,
    at_unix_secs BIGINT NOT NULL
);
