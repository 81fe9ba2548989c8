-- What SLOs count as bad, beside RED's errors: `status: not-5xx` (an HTTP
-- status of 500 or more, or ERROR without one) and `status: ok` (ERROR).
-- NULL in rows written before they were kept; read as `errors` then.
ALTER TABLE service_minutes ADD COLUMN server_errors BIGINT;
ALTER TABLE service_minutes ADD COLUMN status_errors BIGINT;
ALTER TABLE service_hours ADD COLUMN server_errors BIGINT;
ALTER TABLE service_hours ADD COLUMN status_errors BIGINT;
ALTER TABLE operation_minutes ADD COLUMN server_errors BIGINT;
ALTER TABLE operation_minutes ADD COLUMN status_errors BIGINT;
ALTER TABLE operation_hours ADD COLUMN server_errors BIGINT;
ALTER TABLE operation_hours ADD COLUMN status_errors BIGINT;
