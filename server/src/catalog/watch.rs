//! Watches the catalog's file locations and reloads when anything under them
//! changes; re-arms itself when locations are registered or removed. Editors
//! save in several steps, so events are debounced. URLs are read again on a
//! timer instead ([`refresh_urls`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::service::CatalogService;
use crate::store::Leadership;

const DEBOUNCE: Duration = Duration::from_millis(50);

/// Arms the watcher on the current locations before returning (so no change
/// made after this call is missed), then reloads on changes in a task.
pub async fn spawn(catalog: Arc<CatalogService>, shutdown: CancellationToken) -> notify::Result<JoinHandle<()>> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
        {
            let _ = tx.send(());
        }
    })?;
    let mut watching = Watching { watcher, paths: Vec::new() };
    watching.sync(&catalog).await;
    Ok(tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = catalog.locations_changed() => {
                    watching.sync(&catalog).await;
                    continue;
                }
                event = rx.recv() => if event.is_none() { return },
            }
            tokio::time::sleep(DEBOUNCE).await;
            while rx.try_recv().is_ok() {}
            if let Err(error) = catalog.reload().await {
                tracing::error!("catalog reload failed: {error:#}");
            }
        }
    }))
}

struct Watching {
    watcher: RecommendedWatcher,
    paths: Vec<PathBuf>,
}

impl Watching {
    /// Watches exactly the current file locations (folders recursively,
    /// files through their folder).
    async fn sync(&mut self, catalog: &CatalogService) {
        let wanted: Vec<(PathBuf, RecursiveMode)> = match catalog.watched_paths().await {
            Ok(paths) => paths
                .into_iter()
                .map(|p| {
                    if p.is_dir() {
                        (p, RecursiveMode::Recursive)
                    } else {
                        (p.parent().map(PathBuf::from).unwrap_or(p), RecursiveMode::NonRecursive)
                    }
                })
                .collect(),
            Err(error) => {
                tracing::error!("cannot list catalog locations to watch: {error:#}");
                return;
            }
        };
        for old in self.paths.drain(..) {
            let _ = self.watcher.unwatch(&old);
        }
        for (path, mode) in wanted {
            match self.watcher.watch(&path, mode) {
                Ok(()) => self.paths.push(path),
                Err(error) => tracing::warn!("cannot watch {}: {error}", path.display()),
            }
        }
    }
}

/// URLs cannot be watched: while the catalog reads any, the leading replica
/// reads it all again every `interval` (unchanged files are not parsed
/// again), and tells the others if anything changed.
pub async fn refresh_urls(catalog: Arc<CatalogService>, interval: Duration, leadership: Leadership, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        if leadership.is_leading()
            && catalog.reads_urls()
            && let Err(error) = catalog.reload().await
        {
            tracing::error!("catalog refresh (URLs) failed: {error:#}");
        }
    }
}
