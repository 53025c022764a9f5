//! What every handler shares: the readers, the writer's queue, the
//! accounts pool, sign-in state, large-push turns and the force's zone.
use std::sync::Arc;
use tokio::sync::Semaphore;

use crate::accounts::SharedAuth;
use crate::db::{Accounts, Database};
use crate::sync::writer::Ingest;
use crate::zone::ForceZone;

#[derive(Clone)]
pub struct AppState {
    pub db: Database,
    pub ingest: Ingest,
    pub accounts: Accounts,
    pub auth: SharedAuth,
    /// Turns for large push bodies (`large_push_turn` in [`router`](crate::http::router)).
    pub large_pushes: Arc<Semaphore>,
    /// The force's time zone: where the return's and the filters' days begin.
    pub zone: ForceZone,
    /// Counted here: each push's answers by outcome.
    pub metrics: Arc<crate::metrics::Metrics>,
}
