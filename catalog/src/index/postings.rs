//! Which entities have each `(key, value)` pair, in compressed-sparse-row
//! form: one sorted array of `(key, value)` entries, each owning a run of a
//! single entity-id array. At 50,000 entities (500k distinct pairs, nearly
//! all held by one entity) this takes ~12 MB where a hash map of vectors took
//! ~70 MB, and a key's values are one contiguous slice (facets, full text).

use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u32,
    value: u32,
    /// End of this entry's run in `ids` (its start is the previous end).
    end: u32,
}

#[derive(Debug, Default)]
pub(super) struct Postings {
    entries: Vec<Entry>,
    ids: Vec<u32>,
    /// The value as written, for pairs whose written form is not lower case.
    originals: FxHashMap<(u32, u32), Box<str>>,
}

/// Collects `(key, value, entity)` triples; [`Self::finish`] builds the postings.
#[derive(Default)]
pub(super) struct PostingsBuilder {
    triples: Vec<(u32, u32, u32)>,
    /// Candidates for `originals`: the lowest entity id wins.
    originals: FxHashMap<(u32, u32), (u32, Box<str>)>,
}

impl PostingsBuilder {
    pub fn reserve_exact(&mut self, pairs: usize) {
        self.triples.reserve_exact(pairs);
    }

    pub fn add(&mut self, key: u32, value: u32, entity: u32) {
        self.triples.push((key, value, entity));
    }

    /// `written` is how `entity` wrote the value (when not in lower case).
    pub fn add_original(&mut self, key: u32, value: u32, entity: u32, written: impl FnOnce() -> Box<str>) {
        let slot = self.originals.entry((key, value));
        match slot {
            std::collections::hash_map::Entry::Occupied(mut seen) if seen.get().0 > entity => {
                seen.insert((entity, written()));
            }
            std::collections::hash_map::Entry::Occupied(_) => {}
            std::collections::hash_map::Entry::Vacant(free) => {
                free.insert((entity, written()));
            }
        }
    }

    pub fn finish(mut self) -> Postings {
        self.triples.sort_unstable();
        self.triples.dedup();
        let mut entries: Vec<Entry> = Vec::new();
        let mut ids = Vec::with_capacity(self.triples.len());
        for &(key, value, entity) in &self.triples {
            match entries.last_mut() {
                Some(last) if last.key == key && last.value == value => last.end += 1,
                _ => entries.push(Entry { key, value, end: ids.len() as u32 + 1 }),
            }
            ids.push(entity);
        }
        entries.shrink_to_fit();
        let originals = self.originals.into_iter().map(|(pair, (_, written))| (pair, written)).collect();
        Postings { entries, ids, originals }
    }
}

impl Postings {
    fn run(&self, at: usize) -> &[u32] {
        let start = if at == 0 { 0 } else { self.entries[at - 1].end as usize };
        &self.ids[start..self.entries[at].end as usize]
    }

    /// Entities with `key = value`, ascending.
    pub fn get(&self, key: u32, value: u32) -> &[u32] {
        match self.entries.binary_search_by(|e| (e.key, e.value).cmp(&(key, value))) {
            Ok(at) => self.run(at),
            Err(_) => &[],
        }
    }

    /// Every value of `key` with its entities.
    pub fn of_key(&self, key: u32) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        let start = self.entries.partition_point(|e| e.key < key);
        let end = self.entries.partition_point(|e| e.key <= key);
        (start..end).map(move |at| (self.entries[at].value, self.run(at)))
    }

    pub fn original(&self, key: u32, value: u32) -> Option<&str> {
        self.originals.get(&(key, value)).map(|s| &**s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_grouped_sorted_and_deduplicated() {
        let mut builder = PostingsBuilder::default();
        for (k, v, e) in [(1, 7, 3), (0, 2, 1), (1, 7, 0), (1, 7, 3), (1, 5, 2), (2, 1, 9)] {
            builder.add(k, v, e);
        }
        builder.add_original(1, 7, 3, || "Seven (3)".into());
        builder.add_original(1, 7, 0, || "Seven (0)".into());
        let postings = builder.finish();
        assert_eq!(postings.get(1, 7), [0, 3]);
        assert_eq!(postings.get(1, 6), [] as [u32; 0]);
        assert_eq!(postings.of_key(1).collect::<Vec<_>>(), [(5, &[2][..]), (7, &[0, 3][..])]);
        assert_eq!(postings.of_key(3).count(), 0);
        assert_eq!(postings.original(1, 7), Some("Seven (0)"), "the lowest entity's spelling");
        assert_eq!(postings.original(0, 2), None);
    }
}
