//! The guards every action passes, decided here once for the console and the headless
//! commands alike: the console's `--read-only`, a zone's `read_only`, and for a protected zone
//! its name typed as confirmation.

use super::ActionError;
use crate::config::ZoneConfig;

/// The guard policy of one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Guards {
    /// `--read-only`: nothing is changed and no build runs.
    pub console_read_only: bool,
}

/// What must happen before an action on a zone may be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Nothing more than a yes.
    Ask,
    /// The zone is protected: its name must be typed.
    TypeZoneName(String),
    /// The action is refused whatever is answered.
    Refused(ActionError),
}

impl Guards {
    /// What asking about a change to `zone` involves, judged before the question: a read-only
    /// console or zone refuses at once, a protected zone wants its name typed.
    pub fn admission(&self, zone: &ZoneConfig) -> Admission {
        match self.writable(zone) {
            Err(refusal) => Admission::Refused(refusal),
            Ok(()) if zone.protected => Admission::TypeZoneName(zone.name.clone()),
            Ok(()) => Admission::Ask,
        }
    }

    /// The whole check of a confirmed change to `zone`, with what the user typed.
    pub fn check(&self, zone: &ZoneConfig, typed: Option<&str>) -> Result<(), ActionError> {
        self.writable(zone)?;
        if zone.protected && typed.map(str::trim) != Some(zone.name.as_str()) {
            return Err(ActionError::Unconfirmed {
                zone: zone.name.clone(),
            });
        }
        Ok(())
    }

    /// Whether the build may run: an observer (`--read-only`) does not run it either, since
    /// the build script may push or import images.
    pub fn build(&self) -> Result<(), ActionError> {
        if self.console_read_only {
            return Err(ActionError::ReadOnly(
                "the console runs with --read-only; the build is not run".into(),
            ));
        }
        Ok(())
    }

    fn writable(&self, zone: &ZoneConfig) -> Result<(), ActionError> {
        if self.console_read_only {
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
        Ok(())
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
        let open = Guards::default();
        let read_only = Guards {
            console_read_only: true,
        };
        assert_eq!(open.check(dev, None), Ok(()));
        assert!(matches!(
            read_only.check(dev, None),
            Err(ActionError::ReadOnly(_))
        ));
        let mut locked = dev.clone();
        locked.read_only = true;
        assert!(matches!(
            open.check(&locked, None),
            Err(ActionError::ReadOnly(_))
        ));
        let refused = open.check(production, None).unwrap_err();
        assert!(refused.to_string().contains("protected"), "{refused}");
        assert!(open.check(production, Some("prod")).is_err());
        assert_eq!(open.check(production, Some("production")), Ok(()));
        assert_eq!(open.check(production, Some(" production ")), Ok(()));
    }

    #[test]
    fn admission_is_judged_before_asking() {
        let fleet = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        let (dev, production) = (&fleet.zones[0], &fleet.zones[2]);
        assert_eq!(Guards::default().admission(dev), Admission::Ask);
        assert_eq!(
            Guards::default().admission(production),
            Admission::TypeZoneName("production".into())
        );
        let read_only = Guards {
            console_read_only: true,
        };
        assert!(matches!(
            read_only.admission(production),
            Admission::Refused(ActionError::ReadOnly(_))
        ));
        assert!(read_only.build().is_err());
        assert!(Guards::default().build().is_ok());
    }
}
