//! Ranked, typo-tolerant search over the index, for people (the UI and
//! `/api/v1/search`), as opposed to Backstage's exact `fullTextFilter`.
//!
//! Every term of the query must match some field of an entity. A term scores
//! by field (name 10, title 8, tags 5, owner 3, type 2, description 2) times
//! match quality (exact word 3, word prefix 2, inside a value 1, a word within
//! one edit — two for terms of 8 characters or more — 1); an entity's score is
//! the sum over terms of each term's best field. Work is per distinct value,
//! not per entity.

use std::collections::BTreeMap;

use super::bitset::Ids;
use super::{CatalogIndex, Filter};

const FIELDS: &[(&str, u32)] = &[
    ("metadata.name", 10),
    ("metadata.title", 8),
    ("metadata.tags", 5),
    ("relations.ownedby", 3),
    ("spec.type", 2),
    ("metadata.description", 2),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// Position in [`CatalogIndex::entities`].
    pub position: usize,
    pub score: u32,
}

#[derive(Clone, Debug, Default)]
pub struct SearchResult {
    /// How many entities matched (before the limit).
    pub total: usize,
    /// Best first; ties in ref order.
    pub hits: Vec<SearchHit>,
    /// Counts over all hits, per requested facet.
    pub facets: BTreeMap<String, Vec<(String, usize)>>,
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty())
}

/// How well `term` matches a (lower-case) value: 0 means not at all.
fn quality(term: &str, value: &str) -> u32 {
    let mut best = if value.contains(term) { 1 } else { 0 };
    let tolerance = match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    for word in words(value) {
        if word == term {
            return 3;
        }
        if word.starts_with(term) {
            best = best.max(2);
        } else if tolerance > 0 && word.len().abs_diff(term.len()) <= tolerance && strsim::levenshtein(word, term) <= tolerance {
            best = best.max(1);
        }
    }
    best
}

impl CatalogIndex {
    /// Entities matching every term of `text` (and `filter`), ranked, with
    /// facet counts over the matches. An empty `text` matches everything.
    pub fn search(&self, text: &str, filter: &Filter, facets: &[String], limit: usize) -> SearchResult {
        let n = self.entities.len();
        let terms: Vec<String> = words(&text.to_lowercase()).map(str::to_string).collect();
        let mut total = vec![0u32; n];
        let mut matched = self.select(filter);
        for term in &terms {
            let mut best = vec![0u32; n];
            for &(field, weight) in FIELDS {
                for (vid, run) in self.postings_of(field) {
                    let q = quality(term, self.values.text(vid));
                    if q > 0 {
                        for id in run.positions() {
                            let slot = &mut best[id as usize];
                            *slot = (*slot).max(q * weight);
                        }
                    }
                }
            }
            let mut has = Ids::empty(n);
            for (id, &score) in best.iter().enumerate() {
                if score > 0 {
                    has.insert(id as u32);
                    total[id] += score;
                }
            }
            matched.and(&has);
        }
        let mut hits: Vec<SearchHit> =
            matched.iter().filter(|&i| i < n).map(|position| SearchHit { position, score: total[position] }).collect();
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.position.cmp(&b.position)));
        let facets = self.facets_of(Some(&matched), facets);
        let total = hits.len();
        hits.truncate(limit);
        SearchResult { total, hits, facets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> CatalogIndex {
        let text = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments-gateway, title: Payments Gateway, description: Takes card payments, tags: [java]}
spec: {type: service, lifecycle: production, owner: team-payments}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout, description: Orders and payments flow, tags: [rust]}
spec: {type: service, lifecycle: production, owner: team-orders}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: payments-api, description: Card API}
spec: {type: openapi, lifecycle: production, owner: team-payments, definition: x}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-payments}
spec: {type: team, children: []}
";
        crate::index::test_support::index(text)
    }

    fn names(index: &CatalogIndex, result: &SearchResult) -> Vec<String> {
        result.hits.iter().map(|h| index.entities()[h.position].entity.metadata.name.clone()).collect()
    }

    #[test]
    fn ranks_by_field_and_quality_and_tolerates_typos() {
        let index = index();
        let all = Filter::default();
        let result = index.search("payments", &all, &[], 10);
        assert_eq!(
            names(&index, &result),
            ["payments-api", "payments-gateway", "team-payments", "checkout"],
            "name words beat descriptions"
        );
        let typo = index.search("paymnets gatway", &all, &[], 10);
        assert_eq!(names(&index, &typo), ["payments-gateway"], "one edit per word is forgiven; every term must match");
        assert_eq!(names(&index, &index.search("pay", &all, &[], 10))[0], "payments-api", "prefixes match");
        assert!(index.search("pay", &all, &[], 10).hits.iter().all(|h| h.score > 0));
        assert!(index.search("zzz", &all, &[], 10).hits.is_empty());
        assert!(index.search("cat", &all, &[], 10).hits.is_empty(), "short terms need an exact substring");
    }

    #[test]
    fn filters_facets_and_limits() {
        let index = index();
        let result = index.search("payments", &Filter::parse(&["kind=component"]).unwrap(), &["spec.type".into(), "kind".into()], 1);
        assert_eq!(names(&index, &result), ["payments-gateway"], "limited to one");
        assert_eq!(result.total, 2);
        assert_eq!(result.facets["kind"], [("Component".to_string(), 2)], "facets count every match, not just the page");
        assert_eq!(index.search("", &Filter::default(), &[], 100).hits.len(), 4);
    }
}
