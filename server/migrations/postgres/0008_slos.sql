-- Each SLO objective's good and total events per hour, minute by minute
-- (`slo::HourCounts`): full hours sum from good and total, a window's edge
-- hours from their minutes. A series is one indicator and threshold, named
-- by its hash, so SLOs that count alike share it.
CREATE TABLE slo_hours (
    series TEXT NOT NULL,
    hour BIGINT NOT NULL,
    good BIGINT NOT NULL,
    total BIGINT NOT NULL,
    minutes BYTEA NOT NULL,
    PRIMARY KEY (series, hour)
);
CREATE INDEX slo_hours_by_hour ON slo_hours (hour);
-- Each change of an objective's alert state.
CREATE TABLE slo_alerts (
    slo TEXT NOT NULL,
    objective BIGINT NOT NULL,
    state TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX slo_alerts_by_slo ON slo_alerts (slo, objective, at);
