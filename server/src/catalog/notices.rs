//! Catalog changes between replicas on one PostgreSQL. A replica that
//! changed the stored catalog says so on [`CHANNEL`] once it is committed;
//! the others follow: a reload reads the same locations (and so the same
//! files, URLs and registered entities) the writer did, and a deletion
//! removes the entity. A replica that finds it may have missed notices (it
//! just started listening, or listens again after an outage) reloads.
//!
//! A follower's reload writes nothing (`Cause::Peer`): the writer stored
//! the result already, and nothing echoes back.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::service::{CatalogService, Cause};
use crate::store::Heard;

/// The `NOTIFY` channel of catalog changes.
pub const CHANNEL: &str = "meridian_catalog";

/// What changed, as one replica tells the others.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "camelCase")]
pub enum Change {
    /// Stored entities changed; with `locations`, the registered locations too.
    Reloaded { locations: bool },
    /// An entity was deleted through the API.
    #[serde(rename_all = "camelCase")]
    Deleted { entity_ref: String },
}

/// A [`Change`] and who made it (so a replica skips its own).
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Notice {
    pub from: String,
    #[serde(flatten)]
    pub change: Change,
}

/// Follows the other replicas' changes until `shutdown`. On SQLite there
/// are none, and this returns at once.
pub async fn follow(catalog: Arc<CatalogService>, shutdown: CancellationToken) {
    let Some(mut notices) = catalog.store().listen(CHANNEL) else { return };
    // The listener runs on its own, so a notice is never lost to a
    // cancelled wait, and changes that queued during a reload are applied
    // together.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let hearing = tokio::spawn(async move {
        loop {
            let heard = notices.next().await;
            if tx.send(heard).is_err() {
                return;
            }
        }
    });
    loop {
        let first = tokio::select! {
            () = shutdown.cancelled() => break,
            heard = rx.recv() => match heard { Some(heard) => heard, None => break },
        };
        let mut heard = vec![first];
        while let Ok(more) = rx.try_recv() {
            heard.push(more);
        }
        for change in coalesce(catalog.replica(), heard) {
            let done = match &change {
                Change::Reloaded { locations } => catalog.reload_because(Cause::Peer { locations: *locations }).await.map(drop),
                Change::Deleted { entity_ref } => catalog.forget(entity_ref).await,
            };
            if let Err(error) = done {
                tracing::error!("cannot follow another replica's catalog change ({change:?}): {error:#}");
            }
        }
    }
    hearing.abort();
}

/// What to apply for what was heard, in order: this replica's own notices
/// dropped, a run of reloads made one, and anything not understood (a
/// newer replica's notice) read as a reload.
fn coalesce(me: &str, heard: Vec<Heard>) -> Vec<Change> {
    let mut changes: Vec<Change> = Vec::new();
    for heard in heard {
        let change = match heard {
            Heard::Listening => Change::Reloaded { locations: true },
            Heard::Notice(payload) => match serde_json::from_str::<Notice>(&payload) {
                Ok(notice) if notice.from == me => continue,
                Ok(notice) => notice.change,
                Err(error) => {
                    tracing::warn!("a catalog notice this replica does not understand ({error}); reloading");
                    Change::Reloaded { locations: true }
                }
            },
        };
        match (changes.last_mut(), change) {
            (Some(Change::Reloaded { locations }), Change::Reloaded { locations: more }) => *locations |= more,
            (_, change) => changes.push(change),
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(from: &str, change: Change) -> Heard {
        Heard::Notice(serde_json::to_string(&Notice { from: from.into(), change }).unwrap())
    }

    #[test]
    fn own_notices_are_skipped_and_runs_of_reloads_merge_in_order() {
        let deleted = Change::Deleted { entity_ref: "component:default/a".into() };
        let heard = vec![
            notice("me", Change::Reloaded { locations: true }),
            notice("b", Change::Reloaded { locations: false }),
            notice("c", Change::Reloaded { locations: true }),
            notice("b", deleted.clone()),
            notice("b", Change::Reloaded { locations: false }),
            Heard::Notice("{\"from\":\"d\",\"change\":\"renamed\"}".into()),
        ];
        assert_eq!(
            coalesce("me", heard),
            vec![Change::Reloaded { locations: true }, deleted, Change::Reloaded { locations: true }],
            "the deletion stays between the reloads it came between"
        );
        assert_eq!(coalesce("me", vec![Heard::Listening]), vec![Change::Reloaded { locations: true }]);
        assert_eq!(coalesce("me", vec![notice("me", Change::Reloaded { locations: true })]), vec![]);
    }

    #[test]
    fn notices_read_as_documented() {
        let json =
            serde_json::to_string(&Notice { from: "r1".into(), change: Change::Deleted { entity_ref: "api:default/x".into() } }).unwrap();
        assert_eq!(json, r#"{"from":"r1","change":"deleted","entityRef":"api:default/x"}"#);
    }
}
