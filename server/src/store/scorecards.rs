//! Scorecard results as they change, for their history.

use std::collections::HashMap;

use sqlx::Row;

use super::{Store, StoreError};

/// What a score is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScoreSubject {
    /// One entity (`component:default/checkout`).
    Entity,
    /// An owner's entities together (`group:default/team-shop`).
    Team,
}

impl ScoreSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreSubject::Entity => "entity",
            ScoreSubject::Team => "team",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [ScoreSubject::Entity, ScoreSubject::Team].into_iter().find(|subject| subject.as_str() == text)
    }
}

/// One subject's result on one scorecard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreRow {
    pub scorecard: String,
    /// An entity ref, or a team's.
    pub subject: String,
    pub kind: ScoreSubject,
    /// The level reached; `""` for none.
    pub level: String,
    /// 0 to 100.
    pub score: i64,
    pub at_unix_secs: i64,
}

impl Store {
    /// Stores each result that differs from its subject's latest on that
    /// scorecard; returns how many were stored.
    pub async fn record_scores(&self, rows: &[ScoreRow]) -> Result<usize, StoreError> {
        let latest: HashMap<(String, String), (String, i64)> = sqlx::query(
            "SELECT s.scorecard, s.subject, s.level, s.score FROM scorecard_scores s
             JOIN (SELECT scorecard, subject, MAX(at_unix_secs) AS at FROM scorecard_scores GROUP BY scorecard, subject) l
               ON l.scorecard = s.scorecard AND l.subject = s.subject AND l.at = s.at_unix_secs",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok(((row.try_get("scorecard")?, row.try_get("subject")?), (row.try_get("level")?, row.try_get("score")?))))
        .collect::<Result<_, StoreError>>()?;
        let changed: Vec<&ScoreRow> = rows
            .iter()
            .filter(|row| latest.get(&(row.scorecard.clone(), row.subject.clone())) != Some(&(row.level.clone(), row.score)))
            .collect();
        let mut tx = self.pool.begin().await?;
        for row in &changed {
            sqlx::query(
                "INSERT INTO scorecard_scores (scorecard, subject, kind, level, score, at_unix_secs) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(row.scorecard.clone())
            .bind(row.subject.clone())
            .bind(row.kind.as_str())
            .bind(row.level.clone())
            .bind(row.score)
            .bind(row.at_unix_secs)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed.len())
    }

    /// A subject's results on every scorecard, oldest first.
    pub async fn score_history(&self, subject: &str) -> Result<Vec<ScoreRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT scorecard, subject, kind, level, score, at_unix_secs FROM scorecard_scores WHERE subject = $1 ORDER BY at_unix_secs, scorecard",
        )
        .bind(subject.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(ScoreRow {
                    scorecard: row.try_get("scorecard")?,
                    subject: row.try_get("subject")?,
                    kind: ScoreSubject::parse(&kind)
                        .ok_or_else(|| StoreError::Corrupt(format!("a score about an unknown subject kind `{kind}`")))?,
                    level: row.try_get("level")?,
                    score: row.try_get("score")?,
                    at_unix_secs: row.try_get("at_unix_secs")?,
                })
            })
            .collect()
    }
}
