-- Sampled traffic: counts are estimates of the calls made (a kept span
-- counts as many calls as it stands for); `kept` is how many spans a row's
-- counts rest on. `caller_failures`: calls whose caller saw a failure (a
-- 4xx, a timeout) beside the call's own errors, which are now its server's.
-- NULL in rows written before: every span was one call (kept = requests),
-- and errors counted either side's failure (caller_failures = errors).
ALTER TABLE edge_minutes ADD COLUMN kept BIGINT;
ALTER TABLE edge_minutes ADD COLUMN caller_failures BIGINT;
ALTER TABLE edge_hours ADD COLUMN kept BIGINT;
ALTER TABLE edge_hours ADD COLUMN caller_failures BIGINT;
ALTER TABLE service_minutes ADD COLUMN kept BIGINT;
ALTER TABLE service_hours ADD COLUMN kept BIGINT;
ALTER TABLE operation_minutes ADD COLUMN kept BIGINT;
ALTER TABLE operation_hours ADD COLUMN kept BIGINT;
ALTER TABLE caller_minutes ADD COLUMN kept BIGINT;
ALTER TABLE caller_minutes ADD COLUMN caller_failures BIGINT;
ALTER TABLE caller_hours ADD COLUMN kept BIGINT;
ALTER TABLE caller_hours ADD COLUMN caller_failures BIGINT;
