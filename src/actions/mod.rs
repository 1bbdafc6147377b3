//! Actions that change clusters or run the team's build: rollout restart, rebuild of the
//! ge-executor image, following a rollout, and the audit log that records each of them.
//! Actions reach clusters only through kube-rs clients from the `cluster` layer.

pub mod audit;
pub mod rebuild;
pub mod restart;
pub mod rollout;

use crate::cluster::{ErrorClass, classify_client_error};

/// Why an action did not happen or did not succeed, in words fit for the screen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The console, or this zone, is read-only.
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// The action was refused before reaching the server (e.g. a paused Deployment).
    #[error("{0}")]
    Refused(String),
    /// 403 from the API: the server's message.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The object does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// Anything else from the API or the connection.
    #[error("{0}")]
    Failed(String),
}

impl ActionError {
    /// Maps a kube client error, keeping the server's message.
    pub fn from_kube(err: kube::Error) -> Self {
        if let kube::Error::Api(status) = &err
            && status.code == 404
        {
            return ActionError::NotFound(crate::sanitize::clean_owned(&status.message));
        }
        match classify_client_error(&err) {
            ErrorClass::Forbidden(message) => ActionError::Forbidden(message),
            ErrorClass::Failed { message, .. } => ActionError::Failed(message),
            ErrorClass::NotServed => ActionError::NotFound(err.to_string()),
            ErrorClass::Gone => ActionError::Failed(err.to_string()),
        }
    }
}
