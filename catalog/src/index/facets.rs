//! Facet counts: how many entities have each value of a field.

use std::collections::BTreeMap;

use super::bitset::Ids;
use super::{CatalogIndex, Filter};

impl CatalogIndex {
    /// Value counts of each facet among the entities matching `filter`, most
    /// frequent first, each value as first written.
    pub fn facets(&self, filter: &Filter, facets: &[String]) -> BTreeMap<String, Vec<(String, usize)>> {
        let selected = (!filter.is_empty()).then(|| self.select(filter));
        self.facets_of(selected.as_ref(), facets)
    }

    /// Facet counts over a selection (`None`: every entity).
    pub(super) fn facets_of(&self, selected: Option<&Ids>, facets: &[String]) -> BTreeMap<String, Vec<(String, usize)>> {
        let mut out = BTreeMap::new();
        for facet in facets {
            let Some(kid) = self.keys.get(&facet.to_lowercase()) else {
                out.insert(facet.clone(), Vec::new());
                continue;
            };
            let mut list: Vec<(String, usize)> = self
                .layers
                .of_key(kid)
                .filter_map(|(vid, run)| {
                    let count = match selected {
                        None => run.len(),
                        Some(s) => run.positions().filter(|&id| s.contains(id as usize)).count(),
                    };
                    let value = self.layers.original(kid, vid).unwrap_or_else(|| self.values.text(vid));
                    (count > 0).then(|| (value.to_string(), count))
                })
                .collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            out.insert(facet.clone(), list);
        }
        out
    }
}
