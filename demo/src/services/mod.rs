//! The routes of each process, one module each. Every instrumented service
//! is a plain axum router; what makes it observable is around it
//! ([`crate::http`], [`crate::db`], [`crate::queue`]), not in it.
//!
//! Who calls whom (what the load exercises):
//!
//! ```text
//! user → gateway → catalog → pricing (retries with backoff), inventory
//!                → recommendations → catalog        (not in the catalog)
//!                → users (carts)
//!                → checkout → users, pricing, inventory → catalog (a cycle), payments → payment provider (external, circuit breaker)
//!                           → queue "order-placed" → notifications → users
//! ```

mod catalog;
mod checkout;
mod gateway;
mod inventory;
mod notifications;
mod payment_provider;
mod payments;
mod pricing;
mod recommendations;
mod users;

use axum::Router;

use crate::layout::Process;
use crate::service::Context;

/// The process's own routes, its state and background work set up.
pub async fn router(process: Process, context: &Context) -> anyhow::Result<Router> {
    match process {
        Process::Gateway => gateway::router(context),
        Process::Users => users::router(context).await,
        Process::Catalog => catalog::router(context).await,
        Process::Pricing => pricing::router(context).await,
        Process::Inventory => inventory::router(context).await,
        Process::Checkout => checkout::router(context).await,
        Process::Payments => payments::router(context).await,
        Process::Notifications => notifications::router(context).await,
        Process::Recommendations => Ok(recommendations::router(context)),
        Process::Queue => Ok(crate::queue::broker_router()),
        Process::PaymentProvider => Ok(payment_provider::router()),
    }
}
