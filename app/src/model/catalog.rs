//! The catalog table's view models: its query (the URL's), its page, its rows.

use serde::{Deserialize, Serialize};

use super::{EntitySummary, FacetView, Health, encode_query_value};

/// Rows on one page of the catalog table.
pub const CATALOG_PAGE_SIZE: usize = 50;

/// The catalog table's view, as its URL gives it: every field the text of one parameter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogQuery {
    pub q: String,
    /// A Backstage filter string (facet choices).
    pub filter: String,
    pub sort: String,
    /// `desc` for descending.
    pub order: String,
    /// 1-based; empty is the first.
    pub page: String,
}

impl CatalogQuery {
    pub fn sort(&self) -> CatalogSort {
        CatalogSort::parse(&self.sort).unwrap_or_default()
    }

    pub fn descending(&self) -> bool {
        self.order.eq_ignore_ascii_case("desc")
    }

    pub fn page(&self) -> usize {
        self.page.parse::<usize>().ok().filter(|p| *p >= 1).unwrap_or(1)
    }

    /// The catalog's URL for this view.
    pub fn href(&self) -> String {
        let pairs = [("q", &self.q), ("filter", &self.filter), ("sort", &self.sort), ("order", &self.order), ("page", &self.page)];
        let query: Vec<String> =
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect();
        if query.is_empty() { "/".to_string() } else { format!("/?{}", query.join("&")) }
    }

    /// Sorted by `sort`: ascending first, descending when already ascending by it; back to page 1.
    pub fn sorting(&self, sort: CatalogSort) -> CatalogQuery {
        let descending = self.sort() == sort && !self.descending();
        // Traffic columns start with the busiest (highest) first.
        let descending = if sort.numeric() && self.sort() != sort { true } else { descending };
        CatalogQuery {
            sort: sort.as_str().to_string(),
            order: if descending { "desc".into() } else { String::new() },
            page: String::new(),
            ..self.clone()
        }
    }

    pub fn at_page(&self, page: usize) -> CatalogQuery {
        CatalogQuery { page: if page <= 1 { String::new() } else { page.to_string() }, ..self.clone() }
    }

    pub fn filtered(&self, filter: String) -> CatalogQuery {
        CatalogQuery { filter, page: String::new(), ..self.clone() }
    }
}

/// A column the catalog table sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CatalogSort {
    /// Best match; by name without search text.
    #[default]
    Relevance,
    Name,
    Kind,
    Type,
    Owner,
    Lifecycle,
    Requests,
    Errors,
    P95,
}

impl CatalogSort {
    pub const COLUMNS: [CatalogSort; 8] = [
        CatalogSort::Name,
        CatalogSort::Kind,
        CatalogSort::Type,
        CatalogSort::Owner,
        CatalogSort::Lifecycle,
        CatalogSort::Requests,
        CatalogSort::Errors,
        CatalogSort::P95,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CatalogSort::Relevance => "",
            CatalogSort::Name => "name",
            CatalogSort::Kind => "kind",
            CatalogSort::Type => "type",
            CatalogSort::Owner => "owner",
            CatalogSort::Lifecycle => "lifecycle",
            CatalogSort::Requests => "requests",
            CatalogSort::Errors => "errors",
            CatalogSort::P95 => "p95",
        }
    }

    pub fn parse(text: &str) -> Option<CatalogSort> {
        Some(match text.to_ascii_lowercase().as_str() {
            "" | "relevance" => CatalogSort::Relevance,
            "name" => CatalogSort::Name,
            "kind" => CatalogSort::Kind,
            "type" => CatalogSort::Type,
            "owner" => CatalogSort::Owner,
            "lifecycle" => CatalogSort::Lifecycle,
            "requests" => CatalogSort::Requests,
            "errors" => CatalogSort::Errors,
            "p95" => CatalogSort::P95,
            _ => return None,
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            CatalogSort::Relevance => "Relevance",
            CatalogSort::Name => "Name",
            CatalogSort::Kind => "Kind",
            CatalogSort::Type => "Type",
            CatalogSort::Owner => "Owner",
            CatalogSort::Lifecycle => "Lifecycle",
            CatalogSort::Requests => "Requests",
            CatalogSort::Errors => "Errors",
            CatalogSort::P95 => "p95",
        }
    }

    pub fn numeric(self) -> bool {
        matches!(self, CatalogSort::Requests | CatalogSort::Errors | CatalogSort::P95)
    }
}

/// One page of the catalog table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CatalogTable {
    pub catalog_size: usize,
    /// Matches in all pages.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub rows: Vec<CatalogRow>,
    pub facets: Vec<FacetView>,
    /// The window of the health columns (`15m`).
    pub health_window: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogRow {
    pub entity: EntitySummary,
    /// What its service served over the health window, when seen in traffic.
    pub health: Option<Health>,
}
