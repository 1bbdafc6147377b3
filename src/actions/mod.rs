//! Actions that change clusters or run the team's build: rollout restart, rebuild of the
//! ge-executor image, following a rollout, and the audit log that records each of them.
//! Actions reach clusters only through kube-rs clients from the `cluster` layer.

pub mod audit;
pub mod rebuild;
pub mod restart;
pub mod rollout;
pub mod runner;

use crate::cluster::{ErrorClass, classify_client_error};
use crate::config::ZoneConfig;

/// Checks the guards every mutation passes: the console's `--read-only`, the zone's
/// `read_only`, and for a protected zone the zone's name typed as confirmation.
pub fn check_guards(
    zone: &ZoneConfig,
    console_read_only: bool,
    typed_confirmation: Option<&str>,
) -> Result<(), ActionError> {
    if console_read_only {
        return Err(ActionError::ReadOnly(
            "the console runs with --read-only; no changes are made".into(),
        ));
    }
    if zone.read_only {
        return Err(ActionError::ReadOnly(format!(
            "zone {} is configured read_only = true",
            zone.name
        )));
    }
    if zone.protected && typed_confirmation.map(str::trim) != Some(zone.name.as_str()) {
        return Err(ActionError::Refused(format!(
            "zone {} is protected: confirm by typing its name ({:?})",
            zone.name, zone.name
        )));
    }
    Ok(())
}

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
    /// The word recorded in the audit log for this error.
    pub fn audit_result(&self) -> &'static str {
        match self {
            ActionError::ReadOnly(_) | ActionError::Refused(_) => "refused",
            _ => "failed",
        }
    }

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
            ErrorClass::Gone | ErrorClass::GoneRestart => ActionError::Failed(err.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};

    #[test]
    fn guards_refuse_read_only_and_unconfirmed_protected_zones() {
        let fleet = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let (dev, production) = (&fleet.zones[0], &fleet.zones[2]);
        assert_eq!(check_guards(dev, false, None), Ok(()));
        assert!(matches!(
            check_guards(dev, true, None),
            Err(ActionError::ReadOnly(_))
        ));
        let mut locked = dev.clone();
        locked.read_only = true;
        assert!(matches!(
            check_guards(&locked, false, None),
            Err(ActionError::ReadOnly(_))
        ));
        let refused = check_guards(production, false, None).unwrap_err();
        assert!(refused.to_string().contains("protected"), "{refused}");
        assert!(check_guards(production, false, Some("prod")).is_err());
        assert_eq!(check_guards(production, false, Some("production")), Ok(()));
    }
}
