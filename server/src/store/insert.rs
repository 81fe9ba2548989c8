//! Multi-row inserts: as many rows per statement as the bind limit allows,
//! with `$n` placeholders both backends accept. Values are bound owned, so a
//! row type needs no lifetime tied to the statement's.

use sqlx::Any;
use sqlx::any::AnyArguments;

use super::StoreError;

/// A statement being built.
pub(super) type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// Values one statement binds at most: well under SQLite's (32,766) and
/// PostgreSQL's (65,535) limits, so statements stay small to parse.
const MAX_BINDS: usize = 2_100;

/// `INSERT INTO {table} ({columns}) VALUES … {on_conflict}`.
pub(super) struct Insert<'a> {
    pub table: &'a str,
    pub columns: &'a [&'a str],
    /// What follows the values (`ON CONFLICT …`), or empty.
    pub on_conflict: &'a str,
}

impl Insert<'_> {
    fn rows_per_statement(&self) -> usize {
        (MAX_BINDS / self.columns.len().max(1)).max(1)
    }

    fn sql(&self, rows: usize) -> String {
        let width = self.columns.len();
        let values: Vec<String> = (0..rows)
            .map(|row| format!("({})", (1..=width).map(|column| format!("${}", row * width + column)).collect::<Vec<_>>().join(", ")))
            .collect();
        format!("INSERT INTO {} ({}) VALUES {} {}", self.table, self.columns.join(", "), values.join(", "), self.on_conflict)
    }

    /// Inserts `rows`; `bind` binds one row's values in column order.
    pub async fn run<T>(
        &self,
        tx: &mut sqlx::Transaction<'_, Any>,
        rows: &[T],
        bind: impl for<'q> Fn(AnyQuery<'q>, &T) -> Result<AnyQuery<'q>, StoreError>,
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(self.rows_per_statement()) {
            let sql = self.sql(chunk.len());
            let mut query = sqlx::query(&sql);
            for row in chunk {
                query = bind(query, row)?;
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value_once() {
        let insert = Insert { table: "t", columns: &["a", "b"], on_conflict: "ON CONFLICT DO NOTHING" };
        assert_eq!(insert.sql(2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT DO NOTHING");
        assert_eq!(insert.rows_per_statement(), 1_050);
        assert_eq!(Insert { table: "t", columns: &["a"; 7], on_conflict: "" }.rows_per_statement(), 300);
    }
}
