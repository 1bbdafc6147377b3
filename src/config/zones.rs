//! The zones file: which clusters ge-console watches and what each is pinned to.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::checks::{self, ChecksConfig, RawChecks};
use super::events::{self, EventsConfig, RawEvents};
use super::notify::RawNotify;
use super::promotion::{self, PromotionConfig, RawPromotion};
use super::{ConfigError, LogsConfig, NotifyConfig, RebuildConfig, RedeployConfig, WorkloadRef};
use crate::file_error::FileError;

/// The built-in zones (the team's three zones), also shipped as the commented example.
pub const DEFAULT_ZONES_TOML: &str = include_str!("../../assets/zones.example.toml");

/// The most zones one console shows.
pub const MAX_ZONES: usize = 8;

/// A zone's number as the team uses it ("Zone 1" is dev).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ZoneId(pub u32);

impl fmt::Display for ZoneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Z{}", self.0)
    }
}

/// A pinned version line for one component of a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinConfig {
    /// `kubernetes`, `containerd`, or a kube-system workload's component name.
    pub component: String,
    /// The line, with `x` as wildcard: `v1.34.x`.
    pub line: String,
    /// For image pins: the kube-system workload whose image tag is checked (default: component).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
}

/// One zone as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneConfig {
    /// The zone's number, shown as `Z1`; unique.
    pub id: ZoneId,
    /// One word, unique; used by `--zone NAME=CONTEXT` and on the command line.
    pub name: String,
    /// development, staging or production (the file's name for the zone when left out).
    pub environment: String,
    /// Free text: k3s, UKS, ...
    pub platform: String,
    /// Who looks after the zone.
    pub owner: String,
    /// Where the zone runs, free text.
    pub location: String,
    /// The kubeconfig context this zone connects through.
    pub context: String,
    /// Namespaces shown for this zone, in display order.
    pub namespaces: Vec<String>,
    /// Version lines the zone's components must stay on.
    pub pins: Vec<PinConfig>,
    /// Changes need the zone's name typed in.
    pub protected: bool,
    /// No mutations from ge-console.
    pub read_only: bool,
}

impl ZoneConfig {
    /// True for the production environment, which the UI draws unmistakably.
    pub fn is_production(&self) -> bool {
        self.environment.eq_ignore_ascii_case("production")
    }

    /// The namespaces whose events the zone watches: its namespaces and kube-system (where an
    /// upgrade's failures show), each once, in configured order.
    pub fn event_namespaces(&self) -> Vec<String> {
        let mut namespaces: Vec<String> = Vec::with_capacity(self.namespaces.len() + 1);
        for ns in self
            .namespaces
            .iter()
            .map(String::as_str)
            .chain([SYSTEM_NAMESPACE])
        {
            if !namespaces.iter().any(|n| n == ns) {
                namespaces.push(ns.to_string());
            }
        }
        namespaces
    }
}

/// All configured zones, in display order, and what the console's actions run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetConfig {
    /// One to [`MAX_ZONES`] zones, in display order.
    pub zones: Vec<ZoneConfig>,
    /// How the rebuild action builds the image.
    pub rebuild: RebuildConfig,
    /// What the redeploy action restarts; its zone is always resolved to a zone name.
    pub redeploy: RedeployConfig,
    /// How much of a log the log pane keeps.
    pub logs: LogsConfig,
    /// How much of each zone's events is kept (`[events]`).
    pub events: EventsConfig,
    /// How the console tells you that a rollout ended or a zone went down (off by default).
    pub notify: NotifyConfig,
    /// The promotion path, its soak and the team's records of when zones reached versions
    /// (`[promotion]`).
    pub promotion: PromotionConfig,
    /// What the runbook checks read besides the clusters (`[checks]`).
    pub checks: ChecksConfig,
}

/// The system namespace whose pods form a zone's "system pods" block.
pub const SYSTEM_NAMESPACE: &str = "kube-system";

impl FleetConfig {
    /// Applies `--zone NAME=CONTEXT` mappings; an unknown zone name is an error.
    pub fn apply_overrides(&mut self, overrides: &[ZoneOverride]) -> Result<(), String> {
        let names: Vec<String> = self.zones.iter().map(|z| z.name.clone()).collect();
        for o in overrides {
            let zone = self
                .zones
                .iter_mut()
                .find(|z| z.name == o.zone || z.id.0.to_string() == o.zone)
                .ok_or_else(|| {
                    format!(
                        "--zone {}={}: there is no zone named {:?}; the zones are {}",
                        o.zone,
                        o.context,
                        o.zone,
                        names.join(", ")
                    )
                })?;
            zone.context = o.context.clone();
        }
        Ok(())
    }

    /// Finds a zone by name or by id number.
    pub fn find(&self, name_or_id: &str) -> Option<&ZoneConfig> {
        self.zones
            .iter()
            .find(|z| z.name == name_or_id || z.id.0.to_string() == name_or_id)
    }
}

/// A `--zone NAME=CONTEXT` command-line mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneOverride {
    /// The zone's name or id number.
    pub zone: String,
    /// The kubeconfig context to connect through instead.
    pub context: String,
}

impl FromStr for ZoneOverride {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((zone, context)) if !zone.trim().is_empty() && !context.trim().is_empty() => {
                Ok(ZoneOverride {
                    zone: zone.trim().to_string(),
                    context: context.trim().to_string(),
                })
            }
            _ => Err(format!("expected NAME=CONTEXT, got {s:?}")),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFleet {
    #[serde(default)]
    namespaces: Option<Vec<String>>,
    zones: Option<Spanned<Vec<RawZone>>>,
    #[serde(default)]
    rebuild: RebuildConfig,
    #[serde(default)]
    redeploy: Option<Spanned<RedeployConfig>>,
    #[serde(default)]
    logs: LogsConfig,
    events: Option<RawEvents>,
    notify: Option<RawNotify>,
    promotion: Option<RawPromotion>,
    checks: Option<RawChecks>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    id: Spanned<u32>,
    name: Spanned<String>,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    location: String,
    context: String,
    #[serde(default)]
    namespaces: Option<Vec<String>>,
    #[serde(default)]
    pins: Vec<PinConfig>,
    #[serde(default)]
    protected: Option<bool>,
    #[serde(default)]
    read_only: bool,
}

/// Parses and validates a zones file; `path` is only used in error messages.
pub fn parse_zones(text: &str, path: &Path) -> Result<FleetConfig, ConfigError> {
    let raw: RawFleet = toml::from_str(text).map_err(|e| FileError::from_toml(path, text, &e))?;
    let at = |offset: usize, message: String| {
        ConfigError::Invalid(FileError::at(path, text, offset, message))
    };
    let (zones_span, raw_zones) = match raw.zones {
        Some(z) => (z.span(), z.into_inner()),
        None => (0..0, Vec::new()),
    };
    if raw_zones.is_empty() {
        return Err(ConfigError::Whole {
            path: path.to_path_buf(),
            message: "no zones are configured: add at least one [[zones]] table".into(),
        });
    }
    if raw_zones.len() > MAX_ZONES {
        return Err(at(
            zones_span.start,
            format!(
                "{} zones are configured; ge-console shows at most {MAX_ZONES}",
                raw_zones.len()
            ),
        ));
    }
    let default_namespaces = raw.namespaces.unwrap_or_else(|| {
        [
            "ge-system",
            "ge-agents",
            "ge-data",
            "ge-monitoring",
            "kube-system",
        ]
        .map(String::from)
        .to_vec()
    });
    let mut zones: Vec<ZoneConfig> = Vec::with_capacity(raw_zones.len());
    for raw in raw_zones {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() || name.contains(char::is_whitespace) || name.contains('=') {
            return Err(at(
                raw.name.span().start,
                format!("zone name {name:?} must be one word without spaces or '='"),
            ));
        }
        if let Some(other) = zones.iter().find(|z| z.name == name) {
            return Err(at(
                raw.name.span().start,
                format!(
                    "duplicate zone name {name:?} (zone {} already uses it)",
                    other.id
                ),
            ));
        }
        let id = ZoneId(*raw.id.get_ref());
        if zones.iter().any(|z| z.id == id) {
            return Err(at(
                raw.id.span().start,
                format!("duplicate zone id {}", id.0),
            ));
        }
        let environment = if raw.environment.is_empty() {
            name.clone()
        } else {
            raw.environment
        };
        let protected = raw
            .protected
            .unwrap_or_else(|| environment.eq_ignore_ascii_case("production"));
        zones.push(ZoneConfig {
            id,
            name,
            environment,
            platform: raw.platform,
            owner: raw.owner,
            location: raw.location,
            context: raw.context,
            namespaces: raw.namespaces.unwrap_or_else(|| default_namespaces.clone()),
            pins: raw.pins,
            protected,
            read_only: raw.read_only,
        });
    }
    let (redeploy_span, redeploy) = match raw.redeploy {
        Some(r) => (r.span(), r.into_inner()),
        None => (0..0, RedeployConfig::default()),
    };
    if WorkloadRef::parse(&redeploy.target).is_none() {
        return Err(at(
            redeploy_span.start,
            format!(
                "redeploy target {:?} must be NAMESPACE/KIND/NAME with KIND deployment, statefulset or daemonset",
                redeploy.target
            ),
        ));
    }
    let events = events::check(raw.events).map_err(|(offset, message)| at(offset, message))?;
    let mut redeploy = redeploy;
    match &redeploy.zone {
        Some(wanted) => {
            let Some(zone) = zones
                .iter()
                .find(|z| &z.name == wanted || &z.id.0.to_string() == wanted)
            else {
                return Err(at(
                    redeploy_span.start,
                    format!("redeploy zone {wanted:?} is not a configured zone"),
                ));
            };
            redeploy.zone = Some(zone.name.clone());
        }
        None => {
            let zone = zones
                .iter()
                .find(|z| z.id == ZoneId(1))
                .unwrap_or(&zones[0]);
            redeploy.zone = Some(zone.name.clone());
        }
    }
    let notify = match raw.notify {
        Some(section) => section
            .validate()
            .map_err(|(span, message)| at(span.start, message))?,
        None => NotifyConfig::default(),
    };
    let promotion =
        promotion::check(raw.promotion, &zones).map_err(|(offset, message)| at(offset, message))?;
    let checks = checks::check(raw.checks).map_err(|(offset, message)| at(offset, message))?;
    Ok(FleetConfig {
        zones,
        rebuild: raw.rebuild,
        redeploy,
        logs: raw.logs,
        events,
        notify,
        promotion,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FleetConfig, ConfigError> {
        parse_zones(text, Path::new("zones.toml"))
    }

    #[test]
    fn built_in_defaults_are_the_teams_three_zones() {
        let fleet = parse(DEFAULT_ZONES_TOML).unwrap();
        let names: Vec<_> = fleet.zones.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(names, ["dev", "staging", "production"]);
        let owners: Vec<_> = fleet.zones.iter().map(|z| z.owner.as_str()).collect();
        assert_eq!(owners, ["gerco", "thijmen", "rutger"]);
        let dev = &fleet.zones[0];
        assert_eq!(dev.platform, "k3s");
        assert_eq!(dev.namespaces.len(), 5);
        let pins: Vec<_> = dev
            .pins
            .iter()
            .map(|p| (p.component.as_str(), p.line.as_str()))
            .collect();
        assert_eq!(
            pins,
            [
                ("kubernetes", "v1.34.x"),
                ("traefik", "v3.6.x"),
                ("coredns", "v1.14.x"),
                ("containerd", "v2.1.x")
            ]
        );
        assert!(fleet.zones[2].protected && fleet.zones[2].is_production());
        assert_eq!(fleet.redeploy.zone.as_deref(), Some("dev"));
        assert_eq!(fleet.redeploy.target, "ge-agents/deployment/ge-executor");
        assert!(!fleet.zones[0].protected);
    }

    #[test]
    fn kube_system_events_are_always_watched_once() {
        let fleet = parse(
            "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\nnamespaces = [\"ge-agents\"]\n",
        )
        .unwrap();
        assert_eq!(
            fleet.zones[0].event_namespaces(),
            ["ge-agents", "kube-system"]
        );
        let defaults = parse(DEFAULT_ZONES_TOML).unwrap();
        let namespaces = defaults.zones[0].event_namespaces();
        assert_eq!(namespaces, defaults.zones[0].namespaces);
        assert_eq!(namespaces.iter().filter(|n| *n == "kube-system").count(), 1);
    }

    #[test]
    fn one_zone_is_enough() {
        let fleet = parse("[[zones]]\nid = 7\nname = \"lab\"\ncontext = \"lab\"\n").unwrap();
        assert_eq!(fleet.zones.len(), 1);
        assert_eq!(fleet.zones[0].environment, "lab");
        assert_eq!(
            fleet.redeploy.zone.as_deref(),
            Some("lab"),
            "redeploy defaults to the first zone"
        );
    }

    #[test]
    fn empty_zone_list_is_an_error() {
        let err = parse("namespaces = [\"a\"]\n").unwrap_err();
        assert!(err.to_string().contains("no zones are configured"), "{err}");
    }

    #[test]
    fn duplicate_name_names_the_line() {
        let text = "[[zones]]\nid = 1\nname = \"dev\"\ncontext = \"a\"\n\n[[zones]]\nid = 2\nname = \"dev\"\ncontext = \"b\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("zones.toml:8:8: duplicate zone name \"dev\""),
            "{err}"
        );
    }

    #[test]
    fn duplicate_id_names_the_line() {
        let text = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n[[zones]]\nid = 1\nname = \"b\"\ncontext = \"b\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("zones.toml:6:6: duplicate zone id 1"),
            "{err}"
        );
    }

    #[test]
    fn toml_syntax_error_has_line_and_column() {
        let err = parse("[[zones]]\nid = 1\nname = dev\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("zones.toml:3:8:"), "{err}");
    }

    #[test]
    fn unknown_key_is_reported() {
        let err = parse("[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\ncolour = 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("zones.toml:5:1") && err.contains("colour"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_redeploy_section_names_the_line() {
        let text = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n[redeploy]\ntarget = \"ge-agents/pod/x\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with("zones.toml:5:1:") && err.contains("NAMESPACE/KIND/NAME"),
            "{err}"
        );
        let text = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n[redeploy]\nzone = \"qa\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("redeploy zone \"qa\""), "{err}");
    }

    const ONE_ZONE: &str = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n";

    #[test]
    fn notify_is_off_unless_configured_and_reads_every_field() {
        use crate::config::{DesktopNotification, NotifyTrigger};
        let off = parse(ONE_ZONE).unwrap().notify;
        assert!(off.is_off());
        assert!(!off.wants(NotifyTrigger::Rollout));
        let text = format!(
            "{ONE_ZONE}[notify]\nbell = true\ndesktop = \"osc9\"\ncommand = [\"notify-send\", \"-a\", \"ge-console\"]\non = [\"zone\", \"warning\"]\n"
        );
        let notify = parse(&text).unwrap().notify;
        assert!(notify.bell);
        assert_eq!(notify.desktop, DesktopNotification::Osc9);
        assert_eq!(notify.command, ["notify-send", "-a", "ge-console"]);
        assert_eq!(notify.on, [NotifyTrigger::Zone, NotifyTrigger::Warning]);
        assert!(notify.wants(NotifyTrigger::Zone) && !notify.wants(NotifyTrigger::Rollout));
        let bell_only = parse(&format!("{ONE_ZONE}[notify]\nbell = true\n"))
            .unwrap()
            .notify;
        assert_eq!(
            bell_only.on,
            NotifyTrigger::ALL,
            "on defaults to every trigger"
        );
    }

    #[test]
    fn notify_errors_name_the_line_and_column() {
        let cases = [
            (
                "[notify]\ndesktop = \"osc99\"\n",
                "zones.toml:6:11: unknown variant `osc99`, expected one of `none`, `osc777`, `osc9`",
            ),
            (
                "[notify]\non = [\"rollout\", \"deploy\"]\n",
                "zones.toml:6:18: unknown variant `deploy`, expected one of `rollout`, `zone`, `warning`",
            ),
            (
                "[notify]\non = [\"zone\", \"zone\"]\n",
                "zones.toml:6:15: notify on: this trigger is listed twice",
            ),
            (
                "[notify]\ncommand = [\" \", \"x\"]\n",
                "zones.toml:6:12: notify command: the program (first item) is empty",
            ),
            (
                "[notify]\nbell = \"yes\"\n",
                "zones.toml:6:8: invalid type: string \"yes\", expected a boolean",
            ),
            (
                "[notify]\nsound = true\n",
                "zones.toml:6:1: unknown field `sound`, expected one of `bell`, `desktop`, `command`, `on`",
            ),
        ];
        for (section, expected) in cases {
            let err = parse(&format!("{ONE_ZONE}{section}"))
                .unwrap_err()
                .to_string();
            assert_eq!(err, expected, "{section}");
        }
    }

    #[test]
    fn the_events_section_sets_window_and_cap_and_names_a_bad_value() {
        let zone = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n";
        let fleet = parse(zone).unwrap();
        assert_eq!(fleet.events, EventsConfig::default());
        assert_eq!(fleet.events.window, std::time::Duration::from_secs(3600));
        assert_eq!(fleet.events.max_per_zone, 3000);
        let fleet = parse(&format!(
            "{zone}[events]\nwindow = \"10m\"\nmax_per_zone = 50\n"
        ))
        .unwrap();
        assert_eq!(fleet.events.window, std::time::Duration::from_secs(600));
        assert_eq!(fleet.events.max_per_zone, 50);
        let err = parse(&format!("{zone}[events]\nwindow = \"an hour\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("zones.toml:6:10:") && err.contains("not a duration"),
            "{err}"
        );
        let err = parse(&format!("{zone}[events]\nmax_per_zone = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("zones.toml:6:16:") && err.contains("between 1 and"),
            "{err}"
        );
        let err = parse(&format!("{zone}[events]\nwindow = \"48h\"\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("longest accepted"), "{err}");
        let err = parse(&format!("{zone}[events]\nkeep = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("zones.toml:6:1:") && err.contains("keep"),
            "{err}"
        );
    }

    #[test]
    fn the_promotion_section_names_its_path_soak_and_records_and_points_at_a_bad_value() {
        let zones = "[[zones]]\nid = 1\nname = \"dev\"\ncontext = \"a\"\n\
                     [[zones]]\nid = 3\nname = \"production\"\ncontext = \"c\"\n\
                     [[zones]]\nid = 2\nname = \"staging\"\ncontext = \"b\"\n";
        let fleet = parse(zones).unwrap();
        assert_eq!(
            fleet.promotion.path,
            [ZoneId(1), ZoneId(2), ZoneId(3)],
            "by id"
        );
        assert_eq!(fleet.promotion.soak_days, 7);
        assert_eq!(fleet.promotion.previous(ZoneId(2)), Some(ZoneId(1)));
        assert_eq!(fleet.promotion.next(ZoneId(3)), None);
        let fleet = parse(&format!(
            "{zones}[promotion]\npath = [\"dev\", 2, \"production\"]\nsoak_days = 3\n\
             [[promotion.record]]\nzone = \"staging\"\nversion = \"v1.33.5\"\nsince = \"2026-11-01\"\n"
        ))
        .unwrap();
        assert_eq!(fleet.promotion.soak_days, 3);
        assert_eq!(fleet.promotion.records.len(), 1);
        assert_eq!(fleet.promotion.records[0].zone, ZoneId(2));
        assert_eq!(
            fleet.promotion.records[0].since,
            "2026-11-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        let line = |extra: &str| parse(&format!("{zones}{extra}")).unwrap_err().to_string();
        let err = line("[promotion]\npath = [\"dev\", \"qa\"]\n");
        assert!(
            err.starts_with("zones.toml:14:16:")
                && err.contains("zone \"qa\", which is not configured"),
            "{err}"
        );
        let err = line("[promotion]\npath = [1, 1]\n");
        assert!(err.contains("twice"), "{err}");
        let err = line("[promotion]\nsoak_days = 0\n");
        assert!(
            err.starts_with("zones.toml:14:13:") && err.contains("between 1 and 365"),
            "{err}"
        );
        let err =
            line("[[promotion.record]]\nzone = 2\nversion = \"latest\"\nsince = \"2026-11-01\"\n");
        assert!(
            err.starts_with("zones.toml:15:11:") && err.contains("not a version"),
            "{err}"
        );
        let err =
            line("[[promotion.record]]\nzone = 2\nversion = \"v1.33.5\"\nsince = \"last week\"\n");
        assert!(
            err.starts_with("zones.toml:16:9:") && err.contains("not a date"),
            "{err}"
        );
    }

    #[test]
    fn the_checks_section_sets_the_ports_file_and_registries() {
        let zone = "[[zones]]\nid = 1\nname = \"a\"\ncontext = \"a\"\n";
        let fleet = parse(zone).unwrap();
        assert_eq!(fleet.checks.ports_file, None);
        assert_eq!(
            fleet.checks.registries,
            ["registry.ge.internal/", "registry.local/ge/"]
        );
        let fleet = parse(&format!(
            "{zone}[checks]\nports_file = \"/srv/ge/ports.yaml\"\nregistries = [\"ghcr.io/ge/\"]\n"
        ))
        .unwrap();
        assert_eq!(
            fleet.checks.ports_file.as_deref(),
            Some(Path::new("/srv/ge/ports.yaml"))
        );
        assert_eq!(fleet.checks.registries, ["ghcr.io/ge/"]);
        let err = parse(&format!("{zone}[checks]\nregistries = [\"a b\"]\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("zones.toml:6:15:") && err.contains("image prefix"),
            "{err}"
        );
    }

    #[test]
    fn more_than_eight_zones_is_an_error() {
        let text: String = (1..=9)
            .map(|i| format!("[[zones]]\nid = {i}\nname = \"z{i}\"\ncontext = \"c{i}\"\n"))
            .collect();
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("at most 8"), "{err}");
    }

    #[test]
    fn zone_override_maps_a_context() {
        let mut fleet = parse(DEFAULT_ZONES_TOML).unwrap();
        let o: ZoneOverride = "staging=kind-staging".parse().unwrap();
        fleet.apply_overrides(&[o]).unwrap();
        assert_eq!(fleet.find("staging").unwrap().context, "kind-staging");
        assert_eq!(fleet.find("2").unwrap().context, "kind-staging");
        let bad: ZoneOverride = "qa=x".parse().unwrap();
        let err = fleet.apply_overrides(&[bad]).unwrap_err();
        assert!(err.contains("dev, staging, production"), "{err}");
        assert!("nocontext".parse::<ZoneOverride>().is_err());
    }
}
