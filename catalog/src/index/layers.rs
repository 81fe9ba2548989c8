//! The postings and full-text corpus of an index as two layers, so that a
//! reload does not build them again for a catalog that barely changed.
//!
//! - The **base** is built in full once (first load, or when the changes
//!   have grown large) and shared, untouched, by the indexes of later
//!   reloads. Its entity ids are the positions of the index that built it;
//!   each later index maps them to its own positions, and entities changed
//!   or removed since map to nothing.
//! - The **delta** holds the entities changed or added since the base was
//!   built, by this index's positions; each reload builds it again (it is
//!   small).
//!
//! A one-file edit of a 50,000-entity catalog so builds a delta of a few
//! dozen entities instead of postings for all of them, and the old and new
//! index (both alive until the swap) share one base instead of holding two.
//! Once the delta has more than an eighth of the base's entities, the next
//! index builds a new base: the cost of a full build is paid rarely, and the
//! delta stays small enough that answering from two layers costs little.

use std::sync::Arc;

use super::corpus::TextCorpus;
use super::postings::{Originals, Postings};

/// Marks a base entity that is not in this index (changed or removed).
const ABSENT: u32 = u32::MAX;

/// Postings and corpus of one set of entities.
#[derive(Debug, Default)]
struct Segment {
    postings: Postings,
    corpus: TextCorpus,
    /// Entities it was built for.
    len: u32,
}

#[derive(Debug, Default)]
pub(super) struct Layers {
    base: Arc<Segment>,
    /// This index's position of each base entity (by its base id), or
    /// [`ABSENT`]; `None` when the base was built by this index (ids are
    /// positions).
    base_positions: Option<Vec<u32>>,
    delta: Segment,
}

/// One entity going into a segment: its id there and its pairs.
pub(super) struct SegmentEntity<'a> {
    pub id: u32,
    pub pairs: &'a [(u32, u32)],
}

impl Layers {
    /// Builds a segment from `entities` (ids ascending). `full_text` tells
    /// which pairs go into the corpus and gives their text.
    fn segment<'a>(entities: &[SegmentEntity<'a>], originals: Originals, full_text: &dyn Fn(u32, u32) -> Option<&'a str>) -> Segment {
        let postings = Postings::build(|| entities.iter().map(|e| (e.id, e.pairs)), originals);
        let corpus = TextCorpus::build(|| {
            entities.iter().flat_map(|e| e.pairs.iter().filter_map(move |&(key, value)| full_text(key, value).map(|text| (e.id, text))))
        });
        Segment { postings, corpus, len: entities.len() as u32 }
    }

    /// Layers whose base holds every one of `entities` (ids are positions).
    pub fn full<'a>(entities: &[SegmentEntity<'a>], originals: Originals, full_text: &dyn Fn(u32, u32) -> Option<&'a str>) -> Self {
        Layers { base: Arc::new(Self::segment(entities, originals, full_text)), base_positions: None, delta: Segment::default() }
    }

    /// Layers sharing `previous`'s base: `base_positions[b]` is the position
    /// of base entity `b` here (or [`ABSENT`]); `delta` the rest.
    pub fn on_base<'a>(
        previous: &Layers,
        base_positions: Vec<u32>,
        delta: &[SegmentEntity<'a>],
        originals: Originals,
        full_text: &dyn Fn(u32, u32) -> Option<&'a str>,
    ) -> Self {
        Layers { base: Arc::clone(&previous.base), base_positions: Some(base_positions), delta: Self::segment(delta, originals, full_text) }
    }

    /// Entities in the base.
    fn base_len(&self) -> usize {
        self.base.len as usize
    }

    /// Whether a next index with `delta` entities outside the base should
    /// build a new base instead.
    pub fn needs_new_base(&self, delta: usize) -> bool {
        self.base.len == 0 || super::outgrows_base(delta, self.base_len())
    }

    /// The base id of each of this index's positions (`positions` of them),
    /// where that entity is in the base.
    pub fn base_ids(&self, positions: usize) -> Vec<Option<u32>> {
        let mut ids = vec![None; positions];
        match &self.base_positions {
            None => ids.iter_mut().take(self.base_len()).enumerate().for_each(|(b, id)| *id = Some(b as u32)),
            Some(map) => {
                for (b, &position) in map.iter().enumerate().filter(|(_, p)| **p != ABSENT) {
                    ids[position as usize] = Some(b as u32);
                }
            }
        }
        ids
    }

    /// A new base's position map, every entity absent until placed.
    pub fn empty_base_positions(&self) -> Vec<u32> {
        vec![ABSENT; self.base_len()]
    }

    #[cfg(test)]
    pub fn shares_base_with(&self, other: &Layers) -> bool {
        Arc::ptr_eq(&self.base, &other.base)
    }

    fn position(&self, base_id: u32) -> Option<u32> {
        match &self.base_positions {
            None => Some(base_id),
            Some(map) => Some(map[base_id as usize]).filter(|&p| p != ABSENT),
        }
    }

    /// Positions of the entities with `key = value`.
    pub fn get(&self, key: u32, value: u32) -> impl Iterator<Item = u32> + '_ {
        self.run(self.base.postings.get(key, value), self.delta.postings.get(key, value)).positions()
    }

    fn run<'a>(&'a self, base: &'a [u32], delta: &'a [u32]) -> Run<'a> {
        Run { layers: self, base, delta }
    }

    /// Every value of `key` (ascending) with its entities. A value may have
    /// none left (all its base entities changed since).
    pub fn of_key(&self, key: u32) -> impl Iterator<Item = (u32, Run<'_>)> + '_ {
        let mut base = self.base.postings.of_key(key).peekable();
        let mut delta = self.delta.postings.of_key(key).peekable();
        std::iter::from_fn(move || {
            let value = match (base.peek(), delta.peek()) {
                (None, None) => return None,
                (Some(b), Some(d)) => b.0.min(d.0),
                (Some(b), None) => b.0,
                (None, Some(d)) => d.0,
            };
            let base_run = base.next_if(|b| b.0 == value).map_or(&[][..], |b| b.1);
            let delta_run = delta.next_if(|d| d.0 == value).map_or(&[][..], |d| d.1);
            Some((value, self.run(base_run, delta_run)))
        })
    }

    /// How `key = value` was written, when not in lower case.
    pub fn original(&self, key: u32, value: u32) -> Option<&str> {
        self.delta.postings.original(key, value).or_else(|| self.base.postings.original(key, value))
    }

    /// Positions of the entities whose default full-text fields contain
    /// `finder`'s term (repeated per occurrence).
    pub fn full_text_matches<'a>(&'a self, finder: &'a memchr::memmem::Finder<'_>) -> impl Iterator<Item = u32> + 'a {
        let base = self.base.corpus.matches(finder).filter_map(|b| self.position(b));
        base.chain(self.delta.corpus.matches(finder))
    }
}

/// The entities of one `(key, value)` pair, from both layers.
pub(super) struct Run<'a> {
    layers: &'a Layers,
    base: &'a [u32],
    delta: &'a [u32],
}

impl<'a> Run<'a> {
    pub fn positions(self) -> impl Iterator<Item = u32> + 'a {
        let layers = self.layers;
        self.base.iter().filter_map(move |&b| layers.position(b)).chain(self.delta.iter().copied())
    }

    pub fn len(self) -> usize {
        match self.layers.base_positions {
            None => self.base.len() + self.delta.len(),
            Some(_) => self.positions().count(),
        }
    }
}
