//! Entities found by their key (`kind:namespace/name`, lower case): each
//! distinct key is numbered, its text held once in one buffer (an
//! [`Interner`]), with the position of its first entity. At 50,000
//! entities, a map of keys as strings was a third of a one-file reload's
//! peak (BENCHMARKS.md, "Live heap of the catalog").

use crate::entity::Entity;
use crate::index::interner::Interner;
use crate::relations::HoldsEntity;

/// The keys of a slice of entities.
pub(crate) struct Positions {
    keys: Interner,
    /// The id of each position's key.
    ids: Vec<u32>,
    /// The first position of each key id.
    first: Vec<u32>,
}

impl Positions {
    /// The keys of `items`; `repeated(at, first)` is told of every entity
    /// whose key an earlier one has.
    pub fn of<T: HoldsEntity>(items: &[T], mut repeated: impl FnMut(usize, usize)) -> Self {
        // Sized once: grown by doubling, the copies would be the peak.
        let bytes =
            items.iter().map(|item| item.entity()).map(|e| e.kind.len() + e.metadata.namespace.len() + e.metadata.name.len() + 2).sum();
        let mut positions = Positions {
            keys: Interner::with_capacity(items.len(), bytes),
            ids: Vec::with_capacity(items.len()),
            first: Vec::with_capacity(items.len()),
        };
        let mut key = String::new();
        for (at, item) in items.iter().enumerate() {
            let entity: &Entity = item.entity();
            key.clear();
            crate::entity_ref::push_key(&mut key, &entity.kind, &entity.metadata.namespace, &entity.metadata.name);
            let id = positions.keys.intern(&key);
            match positions.first.get(id as usize) {
                Some(&first) => repeated(at, first as usize),
                None => positions.first.push(at as u32),
            }
            positions.ids.push(id);
        }
        positions
    }

    /// How many distinct keys.
    pub fn len(&self) -> usize {
        self.first.len()
    }

    /// The id of the key `key`, if an entity has it.
    pub fn find(&self, key: &str) -> Option<u32> {
        self.keys.get(key)
    }

    /// The id of the key of the entity at `at`.
    pub fn id_of(&self, at: usize) -> u32 {
        self.ids[at]
    }

    /// The position of the first entity with key `id`.
    pub fn first(&self, id: u32) -> usize {
        self.first[id as usize] as usize
    }

    /// The text of key `id`.
    pub fn key(&self, id: u32) -> &str {
        self.keys.text(id)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn keys_are_found_case_blind_and_repeats_are_reported() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: Team-A}\nspec: {type: team, children: []}\n---\n\
                    apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-b}\nspec: {type: team, children: []}\n---\n\
                    apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: TEAM-A}\nspec: {type: team, children: []}\n";
        let entities: Vec<Arc<Entity>> = crate::parse_str("t.yaml", text).entities.into_iter().map(|p| p.entity).collect();
        let mut repeats = Vec::new();
        let positions = Positions::of(&entities, |at, first| repeats.push((at, first)));
        assert_eq!(repeats, [(2, 0)]);
        assert_eq!(positions.len(), 2);
        let team_a = positions.find("group:default/team-a").unwrap();
        assert_eq!((positions.first(team_a), positions.key(team_a)), (0, "group:default/team-a"));
        assert_eq!((positions.id_of(2), positions.id_of(1)), (team_a, positions.find("group:default/team-b").unwrap()));
        assert_eq!(positions.find("group:default/team-c"), None);
    }
}
