//! The catalog table: every match of a search, sorted by a column (a
//! catalog field, or the health a component's service showed over
//! [`HEALTH_WINDOW`]) and cut into pages on the server, so a 50,000-entity
//! catalog sends one page at a time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use catalog::Entity;
use catalog::index::{Direction, Filter, OrderField};
use collector::RedStats;

use super::graph::node_of_entity;
use super::{Core, Error, SEARCH_FACETS, Window};

/// The window of the health shown beside catalog entries and team entries.
pub const HEALTH_WINDOW: Window = Window::minutes(15);

/// What the table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableOrder {
    /// Best match first (either direction); by name when there is no search text.
    Relevance,
    Name,
    Kind,
    Type,
    Owner,
    Lifecycle,
    Requests,
    ErrorShare,
    P95,
}

impl TableOrder {
    /// The index field a catalog column sorts by.
    fn field(self) -> Option<&'static str> {
        Some(match self {
            TableOrder::Name => "metadata.name",
            TableOrder::Kind => "kind",
            TableOrder::Type => "spec.type",
            TableOrder::Owner => "relations.ownedby",
            TableOrder::Lifecycle => "spec.lifecycle",
            _ => return None,
        })
    }

    /// A health column's value for a component's service stats.
    fn traffic(self, stats: &RedStats) -> Option<f64> {
        match self {
            TableOrder::Requests => Some(stats.requests as f64),
            TableOrder::ErrorShare if stats.requests > 0 => Some(stats.errors as f64 / stats.requests as f64),
            TableOrder::P95 if stats.requests > 0 => Some(stats.quantile_ms(0.95)),
            _ => None,
        }
    }
}

/// One page of the table.
pub struct TablePage {
    pub catalog_size: usize,
    /// Matches in all pages.
    pub total: usize,
    /// Where the rows start: `offset`, or the last page's start when `offset` lies past the end.
    pub offset: usize,
    /// The page's entities, each with its service's health when seen in traffic.
    pub rows: Vec<(Arc<Entity>, Option<RedStats>)>,
    /// Value counts over every match.
    pub facets: BTreeMap<String, Vec<(String, usize)>>,
}

impl Core {
    /// Matches of `text` and `filter`, sorted by `order`, rows
    /// `offset..offset + limit` (the last page when `offset` is past the
    /// end: an old link still shows something). Entities without a value in
    /// the sorted column come last either way.
    pub async fn catalog_table(
        &self,
        text: &str,
        filter: &Filter,
        order: TableOrder,
        descending: bool,
        offset: usize,
        limit: usize,
    ) -> Result<TablePage, Error> {
        let index = self.catalog();
        let facets: Vec<String> = SEARCH_FACETS.iter().map(|f| f.field.to_string()).collect();
        let result = index.search(text, filter, &facets, usize::MAX);
        let mut positions: Vec<usize> = result.hits.iter().map(|hit| hit.position).collect();
        let served: HashMap<Arc<str>, RedStats> = self.services(HEALTH_WINDOW).await?.into_iter().collect();
        let health = |position: usize| -> Option<&RedStats> {
            node_of_entity(&index.entities()[position].entity).and_then(|node| served.get(&node.name))
        };
        let order = if order == TableOrder::Relevance && text.trim().is_empty() { TableOrder::Name } else { order };
        let direction = if descending { Direction::Desc } else { Direction::Asc };
        if let Some(field) = order.field() {
            index.sort(&mut positions, &[OrderField { field: field.to_string(), direction }]);
        } else if order != TableOrder::Relevance {
            let mut keyed: Vec<(Option<f64>, usize)> =
                positions.iter().map(|&p| (health(p).and_then(|stats| order.traffic(stats)), p)).collect();
            keyed.sort_by(|a, b| match (a.0, b.0) {
                (Some(x), Some(y)) => if descending { y.total_cmp(&x) } else { x.total_cmp(&y) }.then(a.1.cmp(&b.1)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => a.1.cmp(&b.1),
            });
            positions = keyed.into_iter().map(|(_, p)| p).collect();
        }
        let limit = limit.max(1);
        let offset = offset.min(positions.len().saturating_sub(1) / limit * limit);
        let rows = positions.iter().skip(offset).take(limit).map(|&p| (index.entities()[p].entity.clone(), health(p).cloned())).collect();
        Ok(TablePage { catalog_size: index.len(), total: positions.len(), offset, rows, facets: result.facets })
    }
}
