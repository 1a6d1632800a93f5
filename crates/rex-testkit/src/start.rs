//! The one place this crate opens and serves a hub. A change of `rex_hub`'s start-up API
//! (how a hub is opened, how it is served and reports its address) is adapted here, and
//! nowhere in the tests.

use rex_hub::{Hub, HubConfig, HubError};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use tokio::task::JoinHandle;

/// Opens the hub in `dir` (creating it on first start) with `config`.
pub(crate) async fn open(dir: &Path, config: HubConfig) -> Result<Hub, HubError> {
    Hub::open(dir, config).await
}

/// Serves `hub` on `addr` (port 0: one the system picks) in a task of the current runtime,
/// until `shutdown` completes; then the task stops the hub, releasing its data directory.
/// Returns the address bound and the task, which ends with the server's outcome.
pub(crate) async fn serve(
    hub: Hub,
    addr: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(SocketAddr, JoinHandle<Result<(), HubError>>), HubError> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| HubError::Io(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| HubError::Io(e.to_string()))?;
    let task = tokio::spawn(rex_hub::serve_on(hub, listener, shutdown));
    Ok((bound, task))
}
