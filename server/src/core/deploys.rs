//! Deploy history: deploys detected from `service.version` changes in traces.

use collector::Deploy;

use super::{Core, Error};

impl Core {
    /// The latest `limit` deploys of any service, newest first.
    pub async fn recent_deploys(&self, limit: u32) -> Result<Vec<Deploy>, Error> {
        Ok(self.store.recent_deploys(limit).await?)
    }
}
