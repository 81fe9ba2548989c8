//! The catalog table's view model: a page of `core::table`, with facets.

use app::model::{CATALOG_PAGE_SIZE, CatalogQuery, CatalogRow, CatalogSort, CatalogTable, Health};
use app::port::PortError;
use catalog::index::Filter;

use super::{facet_views, port_error, summary};
use crate::core::Core;
use crate::core::table::{HEALTH_WINDOW, TableOrder};

fn order(sort: CatalogSort) -> TableOrder {
    match sort {
        CatalogSort::Relevance => TableOrder::Relevance,
        CatalogSort::Name => TableOrder::Name,
        CatalogSort::Kind => TableOrder::Kind,
        CatalogSort::Type => TableOrder::Type,
        CatalogSort::Owner => TableOrder::Owner,
        CatalogSort::Lifecycle => TableOrder::Lifecycle,
        CatalogSort::Requests => TableOrder::Requests,
        CatalogSort::Errors => TableOrder::ErrorShare,
        CatalogSort::P95 => TableOrder::P95,
    }
}

pub async fn catalog_table(core: &Core, query: CatalogQuery) -> Result<CatalogTable, PortError> {
    let filter = Filter::parse(&[query.filter.as_str()]).map_err(|e| port_error(e.into()))?;
    let offset = query.page.max(1).saturating_sub(1).saturating_mul(CATALOG_PAGE_SIZE);
    let mut page =
        core.catalog_table(&query.q, &filter, order(query.sort), query.descending, offset, CATALOG_PAGE_SIZE).await.map_err(port_error)?;
    Ok(CatalogTable {
        catalog_size: page.catalog_size,
        total: page.total,
        page: page.offset / CATALOG_PAGE_SIZE + 1,
        pages: page.total.div_ceil(CATALOG_PAGE_SIZE).max(1),
        rows: page
            .rows
            .iter()
            .map(|(entity, stats)| CatalogRow {
                entity: summary(entity),
                health: stats.as_ref().map(|s| Health {
                    requests: s.requests,
                    errors: s.errors,
                    p95_ms: s.quantile_ms(0.95),
                    kept_spans: s.kept,
                }),
            })
            .collect(),
        facets: facet_views(&mut page.facets),
        health_window: HEALTH_WINDOW.to_string(),
    })
}
