//! Backstage's `filter` and `fullTextFilter` over the index. A [`Filter`] is
//! a list of alternatives (ORed); each alternative is a list of conditions
//! (ANDed); a condition is `key=value` (several values for one key within
//! an alternative are ORed) or `key` alone (the field exists). Filters are
//! values: code builds them with [`Filter::all_of`] and [`Condition`]'s
//! constructors; only text from outside (a `filter` parameter) is parsed.

use std::collections::BTreeMap;

use super::bitset::Ids;
use super::corpus::TextCorpus;
use super::layers::Run;
use super::{CatalogIndex, FULL_TEXT_FIELDS};

/// `kind=component,spec.type=service` per alternative; alternatives ORed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub alternatives: Vec<Vec<Condition>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub key: String,
    /// `None`: the field only has to exist.
    pub value: Option<String>,
}

impl Filter {
    /// Parses Backstage's `filter` query parameters (one string per parameter).
    /// What one `filter` parameter [`Filter::parse`] accepts looks like,
    /// for the API's description: comma-separated parts, each empty or
    /// starting with a key (not `=`).
    pub const PATTERN: &str = r"^\s*([^\s=,][^,]*)?(,\s*([^\s=,][^,]*)?)*$";

    pub fn parse<S: AsRef<str>>(params: &[S]) -> Result<Self, FilterError> {
        let mut alternatives = Vec::new();
        for param in params {
            let mut conditions = Vec::new();
            for part in param.as_ref().split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (key, value) = match part.split_once('=') {
                    Some((k, v)) => (k.trim(), Some(v.trim().to_lowercase())),
                    None => (part, None),
                };
                if key.is_empty() {
                    return Err(FilterError::EmptyKey { filter: param.as_ref().to_string() });
                }
                conditions.push(Condition { key: key.to_lowercase(), value });
            }
            if !conditions.is_empty() {
                alternatives.push(conditions);
            }
        }
        Ok(Self { alternatives })
    }

    /// One alternative: entities for which every condition holds.
    pub fn all_of(conditions: impl IntoIterator<Item = Condition>) -> Self {
        let conditions: Vec<Condition> = conditions.into_iter().collect();
        Self { alternatives: if conditions.is_empty() { Vec::new() } else { vec![conditions] } }
    }

    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }
}

impl Condition {
    /// `key=value`, compared without regard to case (as Backstage does).
    pub fn equals(key: &str, value: &str) -> Self {
        Self { key: key.to_lowercase(), value: Some(value.to_lowercase()) }
    }

    /// The field `key` exists.
    pub fn exists(key: &str) -> Self {
        Self { key: key.to_lowercase(), value: None }
    }
}

/// Why a `filter` parameter was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter `{filter}` has an empty key")]
    EmptyKey { filter: String },
}

impl CatalogIndex {
    /// Every value of `key` with the entities that have it.
    pub(super) fn postings_of(&self, key: &str) -> impl Iterator<Item = (u32, Run<'_>)> + '_ {
        self.keys.get(key).into_iter().flat_map(|kid| self.layers.of_key(kid))
    }

    fn ids_for(&self, key: &str, value: Option<&str>) -> Ids {
        let mut ids = Ids::empty(self.entities.len());
        match value {
            Some(v) => {
                if let (Some(k), Some(vid)) = (self.keys.get(key), self.values.get(v)) {
                    self.layers.get(k, vid).for_each(|id| ids.insert(id));
                }
            }
            None => self.postings_of(key).for_each(|(_, run)| run.positions().for_each(|id| ids.insert(id))),
        }
        ids
    }

    pub(super) fn select(&self, filter: &Filter) -> Ids {
        let n = self.entities.len();
        if filter.is_empty() {
            return Ids::all(n);
        }
        let mut result = Ids::empty(n);
        for alternative in &filter.alternatives {
            // Conditions on the same key are alternatives of one another.
            let mut by_key: BTreeMap<&str, Vec<Option<&str>>> = BTreeMap::new();
            for c in alternative {
                by_key.entry(&c.key).or_default().push(c.value.as_deref());
            }
            let mut matched = Ids::all(n);
            for (key, values) in by_key {
                let mut any = Ids::empty(n);
                for value in values {
                    any.or(&self.ids_for(key, value));
                }
                matched.and(&any);
            }
            result.or(&matched);
        }
        result
    }

    /// Entity positions matching `filter`, in ref order.
    pub fn filter(&self, filter: &Filter) -> Vec<usize> {
        let n = self.entities.len();
        self.select(filter).iter().filter(|&i| i < n).collect()
    }

    /// Keeps positions whose `fields` (default: name, title, description,
    /// tags, owner, display name) contain `term`, case-insensitively. Each
    /// distinct value is tested once, not each entity.
    pub fn full_text(&self, ids: &mut Vec<usize>, term: &str, fields: &[String]) {
        let term = term.trim().to_lowercase();
        if term.is_empty() {
            return;
        }
        let fields: Vec<String> = fields.iter().map(|f| f.to_lowercase()).collect();
        let finder = memchr::memmem::Finder::new(term.as_bytes());
        let mut hits = Ids::empty(self.entities.len());
        if (fields.is_empty() || fields == FULL_TEXT_FIELDS) && !term.contains(TextCorpus::SEPARATOR) {
            self.layers.full_text_matches(&finder).for_each(|id| hits.insert(id));
        } else {
            let fields: Vec<&str> = if fields.is_empty() { FULL_TEXT_FIELDS.to_vec() } else { fields.iter().map(String::as_str).collect() };
            for field in fields {
                for (vid, run) in self.postings_of(field) {
                    if finder.find(self.values.text(vid).as_bytes()).is_some() {
                        run.positions().for_each(|id| hits.insert(id));
                    }
                }
            }
        }
        ids.retain(|&i| hits.contains(i));
    }
}
