//! Ordering entities by field values, as Backstage's `order` and
//! `orderField` parameters do.

use super::CatalogIndex;

/// Sort direction for [`OrderField`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderField {
    pub field: String,
    pub direction: Direction,
}

impl CatalogIndex {
    /// The first indexed value (lower case) of `key` for an entity.
    fn value_of(&self, position: usize, key: Option<u32>) -> Option<&str> {
        let key = key?;
        self.entities[position].pairs.iter().find(|(k, _)| *k == key).map(|&(_, v)| self.values.text(v))
    }

    /// Sorts positions by the given fields (missing values last), then by ref.
    pub fn sort(&self, ids: &mut [usize], order: &[OrderField]) {
        if order.is_empty() {
            return;
        }
        let keys: Vec<(Option<u32>, Direction)> = order.iter().map(|o| (self.keys.get(&o.field.to_lowercase()), o.direction)).collect();
        ids.sort_by(|&a, &b| {
            for &(key, direction) in &keys {
                let ordering = match (self.value_of(a, key), self.value_of(b, key)) {
                    (Some(x), Some(y)) => match direction {
                        Direction::Asc => x.cmp(y),
                        Direction::Desc => y.cmp(x),
                    },
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                };
                if ordering.is_ne() {
                    return ordering;
                }
            }
            a.cmp(&b)
        });
    }
}
