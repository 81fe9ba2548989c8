//! Which entities have each `(key, value)` pair, in compressed-sparse-row
//! form: one sorted array of `(key, value)` entries, each owning a run of a
//! single entity-id array. Most pairs are held by one entity, so this is a
//! fraction of the size of a hash map of vectors, and a key's values are
//! one contiguous slice (facets, full text).
//!
//! Built by a counting sort on the key (keys are few) and a sort of each
//! key's `(value, entity)` pairs, with every array allocated once at its
//! final size: the build's peak is what decides the catalog's peak memory.

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
    originals: Originals,
}

/// The value as written, for pairs whose written form is not lower case:
/// the spelling of the lowest entity id that has the pair.
#[derive(Debug, Default)]
pub(super) struct Originals(FxHashMap<(u32, u32), (u32, Box<str>)>);

impl Originals {
    /// `written` is how `entity` wrote the value of `(key, value)`.
    pub fn offer(&mut self, key: u32, value: u32, entity: u32, written: impl FnOnce() -> Box<str>) {
        use std::collections::hash_map::Entry;
        match self.0.entry((key, value)) {
            Entry::Occupied(mut seen) if seen.get().0 > entity => {
                seen.insert((entity, written()));
            }
            Entry::Occupied(_) => {}
            Entry::Vacant(free) => {
                free.insert((entity, written()));
            }
        }
    }

    pub fn get(&self, key: u32, value: u32) -> Option<&str> {
        self.0.get(&(key, value)).map(|(_, written)| &**written)
    }
}

/// Consecutive ranges ending at each of `ends`, the first starting at 0.
fn ranges(ends: &[usize]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    ends.iter().scan(0, |start, &end| Some(std::mem::replace(start, end)..end))
}

impl Postings {
    /// The postings of `entities`: each entity's id (ascending) and its
    /// `(key, value)` pairs (a pair repeated in one entity counts once).
    /// `entities` is walked twice.
    pub fn build<'a, I>(entities: impl Fn() -> I, originals: Originals) -> Postings
    where
        I: Iterator<Item = (u32, &'a [(u32, u32)])>,
    {
        // Counting sort by key: `key_ends[k]` is where key k's bucket ends.
        let mut key_ends: Vec<usize> = Vec::new();
        for &(key, _) in entities().flat_map(|(_, pairs)| pairs) {
            let key = key as usize;
            if key >= key_ends.len() {
                key_ends.resize(key + 1, 0);
            }
            key_ends[key] += 1;
        }
        let mut next = Vec::with_capacity(key_ends.len());
        let mut total = 0;
        for count in &mut key_ends {
            next.push(total);
            total += *count;
            *count = total;
        }
        let mut buckets = vec![[0u32; 2]; total];
        for (entity, pairs) in entities() {
            for &(key, value) in pairs {
                let at = &mut next[key as usize];
                buckets[*at] = [value, entity];
                *at += 1;
            }
        }
        drop(next);
        // Within a key: by value, then entity (so each run is ascending).
        for range in ranges(&key_ends) {
            buckets[range].sort_unstable();
        }
        // Each distinct (key, value, entity) once, and whether it starts a new
        // (key, value): walked once to size the arrays, once to fill them.
        let (buckets, key_ends) = (&buckets, &key_ends);
        let rows = || {
            ranges(key_ends).enumerate().flat_map(move |(key, range)| {
                let bucket = &buckets[range];
                bucket.iter().enumerate().filter_map(move |(i, &[value, entity])| {
                    let previous = i.checked_sub(1).map(|p| bucket[p]);
                    (previous != Some([value, entity])).then(|| (key as u32, value, entity, previous.map(|p| p[0]) != Some(value)))
                })
            })
        };
        let (distinct_ids, distinct_pairs) = rows().fold((0, 0), |(ids, pairs), (.., new_pair)| (ids + 1, pairs + usize::from(new_pair)));
        let mut entries: Vec<Entry> = Vec::with_capacity(distinct_pairs);
        let mut ids = Vec::with_capacity(distinct_ids);
        for (key, value, entity, new_pair) in rows() {
            if new_pair {
                entries.push(Entry { key, value, end: ids.len() as u32 });
            }
            ids.push(entity);
            if let Some(last) = entries.last_mut() {
                last.end += 1;
            }
        }
        Postings { entries, ids, originals }
    }

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

    /// Every value of `key` (ascending) with its entities.
    pub fn of_key(&self, key: u32) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        let start = self.entries.partition_point(|e| e.key < key);
        let end = self.entries.partition_point(|e| e.key <= key);
        (start..end).map(move |at| (self.entries[at].value, self.run(at)))
    }

    pub fn original(&self, key: u32, value: u32) -> Option<&str> {
        self.originals.get(key, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_grouped_sorted_and_deduplicated() {
        let entities: Vec<(u32, Vec<(u32, u32)>)> =
            vec![(0, vec![(1, 7)]), (1, vec![(0, 2)]), (2, vec![(1, 5)]), (3, vec![(1, 7), (1, 7)]), (9, vec![(2, 1)])];
        let mut originals = Originals::default();
        originals.offer(1, 7, 3, || "Seven (3)".into());
        originals.offer(1, 7, 0, || "Seven (0)".into());
        originals.offer(1, 7, 2, || "Seven (2)".into());
        let postings = Postings::build(|| entities.iter().map(|(id, pairs)| (*id, &pairs[..])), originals);
        assert_eq!(postings.get(1, 7), [0, 3], "a pair repeated in one entity counts once");
        assert_eq!(postings.get(1, 6), [] as [u32; 0]);
        assert_eq!(postings.get(2, 1), [9]);
        assert_eq!(postings.of_key(1).collect::<Vec<_>>(), [(5, &[2][..]), (7, &[0, 3][..])]);
        assert_eq!(postings.of_key(0).collect::<Vec<_>>(), [(2, &[1][..])]);
        assert_eq!(postings.of_key(3).count(), 0);
        assert_eq!(postings.original(1, 7), Some("Seven (0)"), "the lowest entity's spelling");
        assert_eq!(postings.original(0, 2), None);
        assert_eq!((postings.entries.capacity(), postings.ids.capacity()), (4, 5), "allocated at their final size");
    }
}
