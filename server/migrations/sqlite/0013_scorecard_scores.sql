-- Scorecard results as they change: a row when a subject's level or score
-- differs from its latest row. A subject is an entity, or a team
-- (`kind = 'team'`, its score the mean of its entities').
CREATE TABLE scorecard_scores (
    scorecard TEXT NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    score BIGINT NOT NULL,
    at_unix_secs BIGINT NOT NULL
);
CREATE INDEX scorecard_scores_by_subject ON scorecard_scores (subject, at_unix_secs);
