//! Derived relations, in both directions, as Backstage's built-in processor
//! emits them. Each spec field that names other entities yields a relation on
//! the entity itself and the reverse relation on the target (when the target
//! exists in the set).

use std::sync::{Arc, LazyLock};

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::entity::{Entity, Relation};
use crate::entity_ref::EntityRef;
use crate::index::interner::Interner;
use crate::positions::Positions;

struct RelationField {
    kinds: &'static [&'static str],
    field: &'static str,
    default_kind: &'static str,
    forward: &'static str,
    reverse: &'static str,
}

const fn rel(
    kinds: &'static [&'static str],
    field: &'static str,
    default_kind: &'static str,
    forward: &'static str,
    reverse: &'static str,
) -> RelationField {
    RelationField { kinds, field, default_kind, forward, reverse }
}

const OWNED: &[&str] = &["component", "api", "resource", "system", "domain"];
const IN_SYSTEM: &[&str] = &["component", "api", "resource"];
const DEPENDS: &[&str] = &["component", "resource"];

const RELATION_FIELDS: &[RelationField] = &[
    rel(OWNED, "owner", "Group", "ownedBy", "ownerOf"),
    rel(IN_SYSTEM, "system", "System", "partOf", "hasPart"),
    rel(&["component"], "subcomponentOf", "Component", "partOf", "hasPart"),
    rel(&["component"], "providesApis", "API", "providesApi", "apiProvidedBy"),
    rel(&["component"], "consumesApis", "API", "consumesApi", "apiConsumedBy"),
    rel(DEPENDS, "dependsOn", "Component", "dependsOn", "dependencyOf"),
    rel(DEPENDS, "dependencyOf", "Component", "dependencyOf", "dependsOn"),
    rel(&["system"], "domain", "Domain", "partOf", "hasPart"),
    rel(&["domain"], "subdomainOf", "Domain", "partOf", "hasPart"),
    rel(&["group"], "parent", "Group", "childOf", "parentOf"),
    rel(&["group"], "children", "Group", "parentOf", "childOf"),
    rel(&["group"], "members", "User", "hasMember", "memberOf"),
    rel(&["user"], "memberOf", "Group", "memberOf", "hasMember"),
];

/// Every relation type the catalog derives, in byte order (so a type's
/// position orders like its name).
pub const RELATION_TYPES: &[&str] = &[
    "apiConsumedBy",
    "apiProvidedBy",
    "childOf",
    "consumesApi",
    "dependencyOf",
    "dependsOn",
    "hasMember",
    "hasPart",
    "memberOf",
    "ownedBy",
    "ownerOf",
    "parentOf",
    "partOf",
    "providesApi",
];

/// [`RELATION_TYPES`] as shared strings: every relation of a type points at one.
static SHARED_RELATION_TYPES: LazyLock<Vec<Arc<str>>> = LazyLock::new(|| RELATION_TYPES.iter().map(|t| Arc::from(*t)).collect());

/// The shared string of one of the catalog's own relation types.
pub fn shared_relation_type(name: &str) -> Option<Arc<str>> {
    RELATION_TYPES.binary_search(&name).ok().map(|i| SHARED_RELATION_TYPES[i].clone())
}

/// The position of a relation type in [`RELATION_TYPES`].
fn type_number(name: &str) -> u32 {
    RELATION_TYPES.binary_search(&name).map_or(u32::MAX, |i| i as u32)
}

/// Bits of a derived row's first half that hold the relation type; the
/// entity's position is in the others (so up to 2^28 entities).
const TYPE_BITS: u32 = 4;
const _: () = assert!(RELATION_TYPES.len() <= 1 << TYPE_BITS);

/// A derived row's first half: the entity's position and the type.
fn row_head(at: usize, relation_type: u32) -> u32 {
    ((at as u32) << TYPE_BITS) | relation_type
}

/// What [`derive_relations`] works on: entities, or anything holding one
/// (the loader's parsed entities, so it need not take them apart).
pub trait HoldsEntity {
    fn entity(&self) -> &Arc<Entity>;
    fn entity_mut(&mut self) -> &mut Arc<Entity>;
}

impl HoldsEntity for Arc<Entity> {
    fn entity(&self) -> &Arc<Entity> {
        self
    }
    fn entity_mut(&mut self) -> &mut Arc<Entity> {
        self
    }
}

impl HoldsEntity for crate::ParsedEntity {
    fn entity(&self) -> &Arc<Entity> {
        &self.entity
    }
    fn entity_mut(&mut self) -> &mut Arc<Entity> {
        &mut self.entity
    }
}

/// A reference in `spec` that names no entity of the set (or cannot be parsed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedRef {
    /// Index of the referring entity in the slice given to [`derive_relations`].
    pub entity_index: usize,
    /// `spec.<field>`.
    pub field: String,
    pub target: String,
    pub reason: String,
}

/// Replaces every entity's `relations` with those derived from the whole set
/// (an entity whose relations did not change is left alone, and so stays
/// shared). Returns the references that point nowhere: Backstage keeps such relations
/// on the referring entity, and so does Meridian; the caller reports them as
/// warnings.
pub fn derive_relations<T: HoldsEntity>(items: &mut [T]) -> Vec<UnresolvedRef> {
    let keys = Positions::of(items, |_, _| {});
    derive_relations_keyed(items, keys)
}

/// [`derive_relations`] with the keys of `items` already numbered (the
/// loader numbers them to find duplicates).
pub(crate) fn derive_relations_keyed<T: HoldsEntity>(items: &mut [T], keys: Positions) -> Vec<UnresolvedRef> {
    let (changed, unresolved) = derive(items, keys);
    for (at, relations) in changed {
        Arc::make_mut(items[at].entity_mut()).relations = relations;
    }
    unresolved
}

/// The new relations of the entities whose relations change, and the
/// references that point nowhere.
/// A relation's target is its key's number in `keys`.
fn derive<T: HoldsEntity>(items: &[T], keys: Positions) -> (Vec<(usize, Vec<Relation>)>, Vec<UnresolvedRef>) {
    // (entity and type, target) for the whole set, sorted and deduplicated
    // below: a flat list of 8-byte rows costs far less than a set per
    // entity. A target is a key's number, or `keys.len()` plus an index
    // into `elsewhere` (targets outside the set). Sized once (each
    // reference yields at most two rows): grown by doubling, it would be
    // the largest allocation of a reload.
    let references: usize = items
        .iter()
        .map(HoldsEntity::entity)
        .flat_map(|e| relation_fields(e).map(|field| field_values(e.spec.get(field.field)).count()))
        .sum();
    let mut derived: Vec<(u32, u32)> = Vec::with_capacity(2 * references);
    let mut elsewhere = Interner::default();
    let mut unresolved = Vec::new();

    for (i, item) in items.iter().enumerate() {
        let entity = item.entity();
        for field in relation_fields(entity) {
            let (forward, reverse) = (type_number(field.forward), type_number(field.reverse));
            for target_text in field_values(entity.spec.get(field.field)) {
                let target = match EntityRef::parse(target_text, Some(field.default_kind), &entity.metadata.namespace) {
                    Ok(target) => target.key(),
                    Err(error) => {
                        unresolved.push(UnresolvedRef {
                            entity_index: i,
                            field: format!("spec.{}", field.field),
                            target: target_text.to_string(),
                            reason: error.to_string(),
                        });
                        continue;
                    }
                };
                match keys.find(&target) {
                    Some(j) => {
                        derived.push((row_head(i, forward), j));
                        derived.push((row_head(keys.first(j), reverse), keys.id_of(i)));
                    }
                    None => {
                        derived.push((row_head(i, forward), (keys.len() as u32) + elsewhere.intern(&target)));
                        unresolved.push(UnresolvedRef {
                            entity_index: i,
                            field: format!("spec.{}", field.field),
                            reason: format!("no entity `{target}` in the catalog"),
                            target,
                        });
                    }
                }
            }
        }
    }
    derived.sort_unstable();
    derived.dedup();
    let target = |t: u32| match t.checked_sub(keys.len() as u32) {
        Some(outside) => elsewhere.text(outside),
        None => keys.key(t),
    };
    // One string per target among the new relations, as a load from
    // scratch shares it.
    let mut shared: FxHashMap<u32, Arc<str>> = FxHashMap::default();
    let mut changed = Vec::new();
    let mut wanted: Vec<(u32, &str, u32)> = Vec::new();
    let mut rows = derived.as_slice();
    for (at, item) in items.iter().enumerate() {
        let count = rows.partition_point(|&(head, _)| (head >> TYPE_BITS) as usize == at);
        wanted.clear();
        wanted.extend(rows[..count].iter().map(|&(head, t)| (head & ((1 << TYPE_BITS) - 1), target(t), t)));
        rows = &rows[count..];
        // As `Relation` orders (type names sort as their numbers).
        wanted.sort_unstable();
        let old = &item.entity().relations;
        let same = old.len() == wanted.len()
            && old.iter().zip(&wanted).all(|(r, &(t, key, _))| *r.relation_type == *RELATION_TYPES[t as usize] && *r.target_ref == *key);
        if !same {
            let relations = wanted
                .iter()
                .map(|&(relation_type, key, t)| Relation {
                    relation_type: SHARED_RELATION_TYPES[relation_type as usize].clone(),
                    target_ref: shared.entry(t).or_insert_with(|| Arc::from(key)).clone(),
                })
                .collect();
            changed.push((at, relations));
        }
    }
    (changed, unresolved)
}

/// The spec fields of `entity`'s kind that name other entities.
fn relation_fields(entity: &Entity) -> impl Iterator<Item = &'static RelationField> + '_ {
    RELATION_FIELDS.iter().filter(|f| f.kinds.iter().any(|kind| entity.kind.eq_ignore_ascii_case(kind)))
}

/// The strings of a field: itself, or its array's string items (no
/// allocation: the counting pass walks every entity's fields too).
fn field_values(value: Option<&Value>) -> impl Iterator<Item = &str> {
    let (single, items) = match value {
        Some(Value::String(s)) => (Some(s.as_str()), None),
        Some(Value::Array(items)) => (None, Some(items.iter().filter_map(Value::as_str))),
        _ => (None, None),
    };
    single.into_iter().chain(items.into_iter().flatten())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;

    fn entities(text: &str) -> Vec<Arc<Entity>> {
        let parsed = parse_str("t.yaml", text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed.entities.into_iter().map(|p| p.entity).collect()
    }

    fn relations(e: &Entity) -> Vec<String> {
        e.relations.iter().map(|r| format!("{} {}", r.relation_type, r.target_ref)).collect()
    }

    const SET: &str = "\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout, namespace: shop}
spec:
  type: service
  lifecycle: production
  owner: Team-Orders
  system: orders
  providesApis: [checkout-api]
  consumesApis: [default/payments-api]
  dependsOn: [payments, resource:orders-db]
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-orders, namespace: shop}
spec: {type: team, children: [], members: [alice]}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice, namespace: shop}
spec: {memberOf: [team-orders]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: checkout-api, namespace: shop}
spec: {type: openapi, lifecycle: production, owner: team-orders, definition: 'openapi: 3.0.0'}
";

    #[test]
    fn every_relation_type_is_listed_in_byte_order() {
        assert!(RELATION_TYPES.is_sorted());
        for field in RELATION_FIELDS {
            assert!(RELATION_TYPES.contains(&field.forward) && RELATION_TYPES.contains(&field.reverse), "{}", field.field);
        }
    }

    #[test]
    fn relations_are_derived_both_ways_with_defaults() {
        let mut set = entities(SET);
        let unresolved = derive_relations(&mut set);
        assert_eq!(
            relations(&set[0]),
            [
                "consumesApi api:default/payments-api",
                "dependsOn component:shop/payments",
                "dependsOn resource:shop/orders-db",
                "ownedBy group:shop/team-orders",
                "partOf system:shop/orders",
                "providesApi api:shop/checkout-api",
            ]
        );
        assert_eq!(relations(&set[1]), ["hasMember user:shop/alice", "ownerOf api:shop/checkout-api", "ownerOf component:shop/checkout"]);
        assert_eq!(relations(&set[2]), ["memberOf group:shop/team-orders"]);
        assert_eq!(relations(&set[3]), ["apiProvidedBy component:shop/checkout", "ownedBy group:shop/team-orders"]);
        let missing: Vec<_> = unresolved.iter().map(|u| u.target.as_str()).collect();
        assert_eq!(missing, ["system:shop/orders", "api:default/payments-api", "component:shop/payments", "resource:shop/orders-db"]);
    }

    #[test]
    fn a_second_derivation_leaves_unchanged_entities_shared_and_repeats_count_once() {
        let mut set = entities(&format!(
            "{SET}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: twice, namespace: shop}}\nspec: {{type: service, lifecycle: production, owner: team-orders, dependsOn: [payments, component:payments, alice, user:alice]}}\n"
        ));
        derive_relations(&mut set);
        assert_eq!(
            relations(&set[4]),
            [
                "dependsOn component:shop/alice",
                "dependsOn component:shop/payments",
                "dependsOn user:shop/alice",
                "ownedBy group:shop/team-orders"
            ],
            "the same target written twice is one relation, sorted by target"
        );
        assert_eq!(relations(&set[2]), ["dependencyOf component:shop/twice", "memberOf group:shop/team-orders"]);
        let before = set.clone();
        derive_relations(&mut set);
        assert!(before.iter().zip(&set).all(|(a, b)| Arc::ptr_eq(a, b)), "nothing changed, nothing copied");
        let first = set[0].relations.iter().find(|r| &*r.relation_type == "ownedBy").unwrap().target_ref.clone();
        let second = set[3].relations.iter().find(|r| &*r.relation_type == "ownedBy").unwrap().target_ref.clone();
        assert!(Arc::ptr_eq(&first, &second), "one string per target");
    }
}
