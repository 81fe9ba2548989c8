//! What replicas on one PostgreSQL share besides their tables:
//!
//! - **notices** (`LISTEN`/`NOTIFY`): a replica that changed something tells
//!   the others, after the change is committed, so they need not poll;
//! - **one leader** (a session advisory lock): work that must run once
//!   across replicas runs on the replica holding the lock. When that replica
//!   dies its session ends, PostgreSQL releases the lock, and another
//!   replica takes it within [`LEADER_CHECK`].
//!
//! On SQLite there is one process: it always leads and hears nothing.

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnection, PgListener};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Store, StoreError};

/// The advisory lock of leadership: "meridian" in ASCII, read as a number,
/// so it is recognisable in `pg_locks`.
const LEADER_LOCK: i64 = 0x6d65_7269_6469_616e;
/// How often a follower asks for the lock, and the leader checks that the
/// session holding it is still there.
pub const LEADER_CHECK: Duration = Duration::from_secs(1);
/// A check that takes longer counts as a lost session.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a lost listener waits before connecting again.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);

/// Whether this replica leads; cheap to clone and to ask.
#[derive(Clone)]
pub struct Leadership {
    leading: watch::Receiver<bool>,
}

impl Leadership {
    /// A process alone on its database (SQLite, tests).
    pub fn always() -> Self {
        Self { leading: watch::channel(true).1 }
    }

    pub fn is_leading(&self) -> bool {
        *self.leading.borrow()
    }
}

impl Store {
    /// Campaigns for leadership until `shutdown` (PostgreSQL); on SQLite
    /// this process leads and no task is needed.
    pub fn lead(&self, shutdown: CancellationToken) -> (Leadership, Option<JoinHandle<()>>) {
        let Some(url) = self.postgres_url.clone() else { return (Leadership::always(), None) };
        let (tx, rx) = watch::channel(false);
        (Leadership { leading: rx }, Some(tokio::spawn(campaign(url, tx, shutdown))))
    }

    /// Tells the other replicas on `channel` (PostgreSQL `NOTIFY`; at most
    /// 8,000 bytes). Call it after the change is committed. Nothing to do on
    /// SQLite.
    pub async fn notify(&self, channel: &str, payload: &str) -> Result<(), StoreError> {
        if self.postgres_url.is_some() {
            sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(payload).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Hears `channel` (PostgreSQL `LISTEN`); `None` on SQLite, where no
    /// other replica can speak.
    pub fn listen(&self, channel: &'static str) -> Option<Notices> {
        self.postgres_url.clone().map(|url| Notices { url, channel, listener: None })
    }
}

/// Notices of one channel, from every replica (this one's too).
pub struct Notices {
    url: Arc<str>,
    channel: &'static str,
    listener: Option<PgListener>,
}

/// What [`Notices::next`] heard.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// A notice's payload.
    Notice(String),
    /// Listening (again): notices sent before now may have been missed, so
    /// the listener should read what it follows again. The first call
    /// answers this once it listens.
    Listening,
}

impl Notices {
    /// The next notice. A lost connection is made again (every
    /// [`RECONNECT_EVERY`]), then answered as [`Heard::Listening`].
    pub async fn next(&mut self) -> Heard {
        loop {
            let Some(listener) = &mut self.listener else {
                match self.connect().await {
                    Ok(listener) => {
                        self.listener = Some(listener);
                        return Heard::Listening;
                    }
                    Err(error) => {
                        tracing::debug!("cannot listen for {}: {error}", self.channel);
                        tokio::time::sleep(RECONNECT_EVERY).await;
                        continue;
                    }
                }
            };
            match listener.try_recv().await {
                Ok(Some(notice)) => return Heard::Notice(notice.payload().to_string()),
                // Lost: connect again explicitly, so the caller hears when.
                Ok(None) | Err(_) => {
                    tracing::warn!("lost the connection that hears {}; connecting again", self.channel);
                    self.listener = None;
                }
            }
        }
    }

    async fn connect(&self) -> Result<PgListener, sqlx::Error> {
        let mut listener = PgListener::connect(&self.url).await?;
        listener.listen(self.channel).await?;
        Ok(listener)
    }
}

/// Holds the lock while it can; asks for it while it cannot.
async fn campaign(url: Arc<str>, leading: watch::Sender<bool>, shutdown: CancellationToken) {
    loop {
        if let Some(mut session) = take_lock(&url).await {
            tracing::info!("this replica leads: it runs roll-ups and retention, GitHub polling, URL refreshes and SLO alerts");
            leading.send_replace(true);
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => {
                        leading.send_replace(false);
                        // Closing the session hands the lock on at once.
                        let _ = session.close().await;
                        return;
                    }
                    () = tokio::time::sleep(LEADER_CHECK) => {}
                }
                let alive = tokio::time::timeout(CHECK_TIMEOUT, sqlx::query("SELECT 1").execute(&mut session)).await;
                if !matches!(alive, Ok(Ok(_))) {
                    leading.send_replace(false);
                    tracing::warn!("the session holding leadership was lost; another replica may lead now");
                    break;
                }
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(LEADER_CHECK) => {}
        }
    }
}

/// A session of its own that holds the lock, or `None` (another replica
/// holds it, or the database cannot be reached).
async fn take_lock(url: &str) -> Option<PgConnection> {
    let mut session = tokio::time::timeout(CHECK_TIMEOUT, PgConnection::connect(url)).await.ok()?.ok()?;
    // So PostgreSQL also notices a leader that vanished from the network
    // without closing its connection, within about half a minute.
    for setting in ["SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5", "SET tcp_keepalives_count = 3"] {
        sqlx::query(setting).execute(&mut session).await.ok()?;
    }
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(LEADER_LOCK).fetch_one(&mut session).await.ok()?;
    locked.then_some(session)
}
