//! Which entities have each `(key, value)` pair, in compressed-sparse-row
//! form: one array of entries sorted by key then value (where each key's
//! entries start is kept apart: keys are few), each owning a run of a
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
    value: u32,
    /// End of this entry's run in `ids` (its start is the previous end).
    end: u32,
}

#[derive(Debug, Default)]
pub(super) struct Postings {
    /// Where key `k`'s entries start in `entries` (and, at `k + 1`, end).
    key_starts: Vec<u32>,
    entries: Vec<Entry>,
    ids: Vec<u32>,
    spellings: Spellings,
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
}

/// [`Originals`] once built: the pairs sorted, their spellings back to back
/// in one buffer (at 50,000 entities, a map of boxed strings was 5.7 MiB,
/// this is 2.5).
#[derive(Debug, Default)]
struct Spellings {
    pairs: Vec<(u32, u32)>,
    /// Where each pair's spelling ends in `text`.
    ends: Vec<u32>,
    text: String,
}

impl Spellings {
    fn of(originals: Originals) -> Self {
        let mut written: Vec<((u32, u32), Box<str>)> = originals.0.into_iter().map(|(pair, (_, written))| (pair, written)).collect();
        written.sort_unstable_by_key(|(pair, _)| *pair);
        let mut spellings = Spellings {
            pairs: Vec::with_capacity(written.len()),
            ends: Vec::with_capacity(written.len()),
            text: String::with_capacity(written.iter().map(|(_, text)| text.len()).sum()),
        };
        for (pair, text) in written {
            spellings.pairs.push(pair);
            spellings.text.push_str(&text);
            spellings.ends.push(spellings.text.len() as u32);
        }
        spellings
    }

    fn get(&self, key: u32, value: u32) -> Option<&str> {
        let at = self.pairs.binary_search(&(key, value)).ok()?;
        let start = if at == 0 { 0 } else { self.ends[at - 1] as usize };
        Some(&self.text[start..self.ends[at] as usize])
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
        // First: the map it replaces is gone before the buckets, the build's peak.
        let spellings = Spellings::of(originals);
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
        let mut key_starts = Vec::with_capacity(key_ends.len() + 1);
        for (key, value, entity, new_pair) in rows() {
            if new_pair {
                key_starts.resize(key_starts.len().max(key as usize + 1), entries.len() as u32);
                entries.push(Entry { value, end: ids.len() as u32 });
            }
            ids.push(entity);
            if let Some(last) = entries.last_mut() {
                last.end += 1;
            }
        }
        key_starts.resize(key_ends.len() + 1, entries.len() as u32);
        Postings { key_starts, entries, ids, spellings }
    }

    fn run(&self, at: usize) -> &[u32] {
        let start = if at == 0 { 0 } else { self.entries[at - 1].end as usize };
        &self.ids[start..self.entries[at].end as usize]
    }

    /// The positions of `key`'s entries in `entries`.
    fn of_key_range(&self, key: u32) -> std::ops::Range<usize> {
        let key = key as usize;
        match (self.key_starts.get(key), self.key_starts.get(key + 1)) {
            (Some(&start), Some(&end)) => start as usize..end as usize,
            _ => 0..0,
        }
    }

    /// Entities with `key = value`, ascending.
    pub fn get(&self, key: u32, value: u32) -> &[u32] {
        let range = self.of_key_range(key);
        match self.entries[range.clone()].binary_search_by_key(&value, |e| e.value) {
            Ok(at) => self.run(range.start + at),
            Err(_) => &[],
        }
    }

    /// Every value of `key` (ascending) with its entities.
    pub fn of_key(&self, key: u32) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        self.of_key_range(key).map(move |at| (self.entries[at].value, self.run(at)))
    }

    pub fn original(&self, key: u32, value: u32) -> Option<&str> {
        self.spellings.get(key, value)
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
