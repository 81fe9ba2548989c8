//! The catalog table's view models: its query (the URL's), its page, its rows.

use serde::{Deserialize, Serialize};

use super::{EntitySummary, FacetView, Health, encode_query_value};

/// Rows on one page of the catalog table.
pub const CATALOG_PAGE_SIZE: usize = 50;

/// The catalog table's view, read once from its URL (`?q=&filter=&sort=&order=&page=`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CatalogQuery {
    pub q: String,
    /// A Backstage filter string (facet choices).
    pub filter: String,
    pub sort: CatalogSort,
    pub descending: bool,
    /// 1-based.
    pub page: usize,
}

impl Default for CatalogQuery {
    fn default() -> Self {
        CatalogQuery { q: String::new(), filter: String::new(), sort: CatalogSort::Relevance, descending: false, page: 1 }
    }
}

impl CatalogQuery {
    /// The view a URL's parameters ask for, or what is wrong with which
    /// (the page answers 400 with it, as the API does).
    pub fn from_params(get: impl Fn(&str) -> String) -> Result<CatalogQuery, String> {
        let (sort, order, page) = (get("sort"), get("order"), get("page"));
        let sort = CatalogSort::parse(&sort).ok_or_else(|| {
            let names: Vec<&str> = CatalogSort::COLUMNS.iter().map(|c| c.as_str()).collect();
            format!("`sort` must be one of {}, not `{sort}`", names.join(", "))
        })?;
        let descending = match order.to_ascii_lowercase().as_str() {
            "" | "asc" => false,
            "desc" => true,
            _ => return Err(format!("`order` must be `asc` or `desc`, not `{order}`")),
        };
        let page = match page.as_str() {
            "" => 1,
            text => text
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| format!("`page` must be a whole number from 1, not `{text}`"))?,
        };
        Ok(CatalogQuery { q: get("q"), filter: get("filter"), sort, descending, page })
    }

    /// The catalog's URL for this view.
    pub fn href(&self) -> String {
        let page = self.page.to_string();
        let pairs = [
            ("q", self.q.as_str()),
            ("filter", self.filter.as_str()),
            ("sort", self.sort.as_str()),
            ("order", if self.descending { "desc" } else { "" }),
            ("page", if self.page > 1 { page.as_str() } else { "" }),
        ];
        let query: Vec<String> =
            pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", encode_query_value(v))).collect();
        if query.is_empty() { "/".to_string() } else { format!("/?{}", query.join("&")) }
    }

    /// Sorted by `sort`: ascending first, descending when already ascending by it; back to page 1.
    pub fn sorting(&self, sort: CatalogSort) -> CatalogQuery {
        // Traffic columns start with the busiest (highest) first.
        let descending = if sort.numeric() && self.sort != sort { true } else { self.sort == sort && !self.descending };
        CatalogQuery { sort, descending, page: 1, ..self.clone() }
    }

    pub fn at_page(&self, page: usize) -> CatalogQuery {
        CatalogQuery { page: page.max(1), ..self.clone() }
    }

    pub fn filtered(&self, filter: String) -> CatalogQuery {
        CatalogQuery { filter, page: 1, ..self.clone() }
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
