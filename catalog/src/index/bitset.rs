//! Sets of entity positions as bitsets: cheap AND / OR at catalog sizes.

/// A set of entity ids as a bitset: cheap AND / OR at catalog sizes.
#[derive(Clone)]
pub(super) struct Ids(Vec<u64>);

impl Ids {
    pub(super) fn empty(n: usize) -> Self {
        Ids(vec![0; n.div_ceil(64)])
    }
    pub(super) fn all(n: usize) -> Self {
        let mut ids = Ids(vec![u64::MAX; n.div_ceil(64)]);
        if !n.is_multiple_of(64)
            && let Some(last) = ids.0.last_mut()
        {
            *last = (1u64 << (n % 64)) - 1;
        }
        ids
    }
    pub(super) fn insert(&mut self, id: u32) {
        self.0[id as usize / 64] |= 1 << (id % 64);
    }
    pub(super) fn contains(&self, id: usize) -> bool {
        self.0.get(id / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }
    pub(super) fn and(&mut self, other: &Ids) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a &= b);
    }
    pub(super) fn or(&mut self, other: &Ids) {
        self.0.iter_mut().zip(&other.0).for_each(|(a, b)| *a |= b);
    }
    pub(super) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| (0..64).filter(move |b| bits & (1 << b) != 0).map(move |b| w * 64 + b))
    }
}
