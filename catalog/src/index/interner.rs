//! Distinct strings of the index, each stored once and numbered, so a
//! `(key, value)` pair is two `u32`s.
//!
//! [`Interner`] keeps every string back to back in one buffer plus a hash
//! table of ids: a string costs its bytes and about ten more (a separate
//! allocation per string cost several times that).
//!
//! [`LayeredInterner`] holds the values, the large set: a frozen base shared
//! by successive indexes of reloads, and the strings added since. A reload
//! builds the new index while the old one still serves, so copying the base
//! on every reload would hold it twice at the peak; the base is copied only
//! when the added strings outgrow an eighth of it (amortised: rare).

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

#[derive(Clone, Debug, Default)]
pub(crate) struct Interner {
    arena: Arena,
    ids: HashTable<u32>,
}

/// The strings back to back; apart from `ids` so the table can be changed
/// while the arena is read (its rehashing needs each id's text).
#[derive(Clone, Debug, Default)]
struct Arena {
    text: String,
    /// Where string `id` ends in `text` (it starts where the previous ends).
    ends: Vec<u32>,
}

impl Arena {
    fn get(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] as usize };
        &self.text[start..self.ends[id] as usize]
    }
}

fn hash(text: &str) -> u64 {
    FxBuildHasher.hash_one(text)
}

impl Interner {
    /// Room for `strings` strings of `bytes` bytes in all, allocated once.
    pub fn with_capacity(strings: usize, bytes: usize) -> Self {
        let arena = Arena { text: String::with_capacity(bytes), ends: Vec::with_capacity(strings) };
        Interner { arena, ids: HashTable::with_capacity(strings) }
    }

    pub fn len(&self) -> usize {
        self.arena.ends.len()
    }

    pub fn text(&self, id: u32) -> &str {
        self.arena.get(id)
    }

    pub fn get(&self, text: &str) -> Option<u32> {
        self.ids.find(hash(text), |&id| self.arena.get(id) == text).copied()
    }

    pub fn intern(&mut self, text: &str) -> u32 {
        match self.get(text) {
            Some(id) => id,
            None => self.push_new(text),
        }
    }

    /// Appends a string known not to be here yet.
    fn push_new(&mut self, text: &str) -> u32 {
        let id = self.len() as u32;
        self.arena.text.push_str(text);
        self.arena.ends.push(self.arena.text.len() as u32);
        let arena = &self.arena;
        self.ids.insert_unique(hash(text), id, |&id| hash(arena.get(id)));
        id
    }

    /// Appends every string of `other` in order (none of them is here yet),
    /// so `other`'s id `i` becomes `self.len() + i`.
    fn append(&mut self, other: &Interner) {
        self.arena.text.reserve_exact(other.arena.text.len());
        self.arena.ends.reserve_exact(other.len());
        let arena = &self.arena;
        self.ids.reserve(other.len(), |&id| hash(arena.get(id)));
        for id in 0..other.len() as u32 {
            self.push_new(other.text(id));
        }
    }

    pub fn shrink_to_fit(&mut self) {
        self.arena.text.shrink_to_fit();
        self.arena.ends.shrink_to_fit();
        let arena = &self.arena;
        self.ids.shrink_to_fit(|&id| hash(arena.get(id)));
    }
}

/// A shared frozen base plus this index's own additions; ids of additions
/// follow the base's.
#[derive(Debug, Default)]
pub(super) struct LayeredInterner {
    base: Arc<Interner>,
    added: Interner,
}

impl LayeredInterner {
    fn base_len(&self) -> u32 {
        self.base.len() as u32
    }

    pub fn intern(&mut self, text: &str) -> u32 {
        match self.base.get(text) {
            Some(id) => id,
            None => self.base_len() + self.added.intern(text),
        }
    }

    pub fn get(&self, text: &str) -> Option<u32> {
        self.base.get(text).or_else(|| self.added.get(text).map(|id| self.base_len() + id))
    }

    pub fn text(&self, id: u32) -> &str {
        match id.checked_sub(self.base_len()) {
            Some(added) => self.added.text(added),
            None => self.base.text(id),
        }
    }

    /// The values for the next index of a reload: the same base (shared, not
    /// copied) and a copy of the few strings added since it was frozen.
    pub fn for_next_index(&self) -> Self {
        LayeredInterner { base: Arc::clone(&self.base), added: self.added.clone() }
    }

    /// Ends a build: the additions join the base once they are more than an
    /// eighth of it (the first build's all do, without a copy); otherwise
    /// they stay apart and only shrink.
    pub fn freeze(&mut self) {
        if !super::outgrows_base(self.added.len(), self.base.len()) {
            self.added.shrink_to_fit();
            return;
        }
        let added = std::mem::take(&mut self.added);
        if self.base.len() == 0 {
            let mut added = added;
            added.shrink_to_fit();
            self.base = Arc::new(added);
            return;
        }
        // The previous index may still hold the base: then it is copied, once.
        match Arc::get_mut(&mut self.base) {
            Some(base) => base.append(&added),
            None => {
                let mut merged = Interner::default();
                merged.arena.text.reserve_exact(self.base.arena.text.len() + added.arena.text.len());
                merged.append(&self.base);
                merged.append(&added);
                self.base = Arc::new(merged);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_gives_one_id_per_distinct_string() {
        let mut interner = Interner::default();
        let (a, b) = (interner.intern("alpha"), interner.intern("beta"));
        assert_eq!((interner.intern("alpha"), interner.intern("")), (a, 2));
        assert_eq!((interner.text(a), interner.text(b), interner.text(2)), ("alpha", "beta", ""));
        assert_eq!((interner.get("beta"), interner.get("gamma")), (Some(b), None));
    }

    #[test]
    fn a_reload_shares_the_base_and_keeps_every_id() {
        let mut first = LayeredInterner::default();
        let words: Vec<String> = (0..100).map(|i| format!("value-{i}")).collect();
        let ids: Vec<u32> = words.iter().map(|w| first.intern(w)).collect();
        first.freeze();
        assert_eq!((first.base.len(), first.added.len()), (100, 0), "a first build's strings become the base");

        let mut second = first.for_next_index();
        assert!(Arc::ptr_eq(&first.base, &second.base), "not copied");
        assert_eq!(second.intern("value-7"), ids[7]);
        let new = second.intern("brand new");
        assert_eq!((new, second.text(new), second.get("brand new")), (100, "brand new", Some(100)));
        second.freeze();
        assert!(Arc::ptr_eq(&first.base, &second.base), "a few additions stay apart");
        assert_eq!(first.get("brand new"), None, "the previous index does not see them");

        // Enough additions to merge: ids stay what they were.
        let mut third = second.for_next_index();
        let more: Vec<u32> = (0..20).map(|i| third.intern(&format!("more-{i}"))).collect();
        third.freeze();
        assert!(!Arc::ptr_eq(&second.base, &third.base), "merged into a new base");
        assert_eq!((third.base.len(), third.added.len()), (121, 0));
        for (word, &id) in words.iter().zip(&ids) {
            assert_eq!((third.text(id), third.get(word)), (word.as_str(), Some(id)));
        }
        assert_eq!((third.text(new), third.text(more[19]), third.get("more-19")), ("brand new", "more-19", Some(more[19])));
        assert_eq!(second.text(ids[3]), "value-3", "the previous index still reads its own");
    }
}
