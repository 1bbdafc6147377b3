//! The promotion checks on plain data: suffixes, equal versions, each date source and its
//! precedence, missing dates, a zone down, a path other than by id.

use std::path::Path;

use jiff::Timestamp;

use super::*;
use crate::config::{FleetConfig, parse_zones};
use crate::fleet::checks::{KubectlClient, VersionObservation};
use crate::fleet::{
    FailureCause, Fleet, KindStatus, LinkStatus, NodeInfo, ObjectChange, ResourceKind, StoreChange,
    ZoneEvent,
};

const ZONES: &str = r#"
[[zones]]
id = 1
name = "dev"
context = "dev"

[[zones]]
id = 2
name = "staging"
context = "staging"

[[zones]]
id = 3
name = "production"
context = "production"
"#;

/// Three zones (dev, staging, production) and the versions they run.
struct Case {
    config: FleetConfig,
    fleet: Fleet,
    observations: Vec<VersionObservation>,
    now: Timestamp,
    kubectl: KubectlClient,
    ports: crate::config::PortsSpec,
}

fn at(text: &str) -> Timestamp {
    if text.contains('T') {
        text.parse().unwrap()
    } else {
        format!("{text}T00:00:00Z").parse().unwrap()
    }
}

impl Case {
    /// `versions[i]` is zone i+1's server version; None leaves it connecting.
    fn new(promotion: &str, versions: [Option<&str>; 3]) -> Case {
        let config = parse_zones(&format!("{ZONES}\n{promotion}"), Path::new("zones.toml"))
            .expect("test zones file parses");
        let mut fleet = Fleet::new(&config);
        for (zone, version) in fleet.zones.iter_mut().zip(versions) {
            if let Some(version) = version {
                zone.apply(ZoneEvent::Link(LinkStatus::Connected {
                    server_version: version.into(),
                }));
                for kind in ResourceKind::ALL {
                    zone.apply(ZoneEvent::Kind(kind, KindStatus::Synced));
                }
            }
        }
        Case {
            config,
            fleet,
            observations: Vec::new(),
            now: at("2026-11-29T12:00:00Z"),
            kubectl: KubectlClient::NotProbed,
            ports: crate::config::built_in_ports(),
        }
    }

    fn nodes(mut self, zone: u32, nodes: &[(&str, Option<&str>)]) -> Case {
        let nodes = nodes
            .iter()
            .enumerate()
            .map(|(i, (kubelet, created))| NodeInfo {
                name: format!("node-{i}"),
                ready: true,
                unschedulable: false,
                roles: vec![],
                kubelet_version: (*kubelet).into(),
                container_runtime: "containerd://2.1.4".into(),
                os_image: "Ubuntu".into(),
                kernel_version: "6.8".into(),
                created: created.map(at),
            })
            .collect();
        self.fleet
            .zone_mut(ZoneId(zone))
            .unwrap()
            .apply(ZoneEvent::Objects(ObjectChange::Nodes(
                StoreChange::Replace(nodes),
            )));
        self
    }

    fn observed(mut self, zone: u32, version: &str, when: &str) -> Case {
        self.observations.push(VersionObservation {
            zone: ZoneId(zone),
            version: version.into(),
            at: at(when),
        });
        self
    }

    fn cx(&self) -> CheckContext<'_> {
        CheckContext {
            fleet: &self.fleet,
            config: &self.config,
            now: self.now,
            kubectl: &self.kubectl,
            observations: &self.observations,
            ports: &self.ports,
        }
    }

    /// `(zone, severity, message, source)` of one check's findings, in zone order.
    fn findings(&self, id: CheckId) -> Vec<(u32, &'static str, String, String)> {
        let mut found: Vec<_> = check(&self.cx())
            .into_iter()
            .filter(|f| f.id == id)
            .map(|f| (f.zone.0, f.severity.as_str(), f.message, f.source))
            .collect();
        found.sort();
        found
    }

    fn lines(&self) -> Vec<(u32, String, &'static str)> {
        promotion_lines(&self.cx())
            .into_iter()
            .map(|l| (l.zone.0, l.text, l.severity.as_str()))
            .collect()
    }
}

fn records(records: &[(u32, &str, &str)]) -> String {
    records
        .iter()
        .map(|(zone, version, since)| {
            format!(
                "[[promotion.record]]\nzone = {zone}\nversion = \"{version}\"\nsince = \"{since}\"\n"
            )
        })
        .collect()
}

fn row(
    zone: u32,
    severity: &'static str,
    message: &str,
    source: &str,
) -> (u32, &'static str, String, String) {
    (zone, severity, message.into(), source.into())
}

#[test]
fn versions_compare_by_numbers_and_ignore_distribution_builds() {
    let v = |t| KubeVersion::parse(t);
    assert_eq!(v("v1.34.2+k3s1"), v("1.34.2"));
    assert_eq!(v("v1.34.2-k3s1"), v("v1.34.2"));
    assert_eq!(v("v1.33.5-eks-113cf36"), v("v1.33.5"));
    assert!(v("v1.34.0") > v("v1.33.10"), "minor before patch");
    assert!(v("v1.34.10") > v("v1.34.9"), "numbers, not text");
    assert!(v("v2.0.0") > v("v1.99.99"));
    for bad in ["", "v1.34", "v1.34.2.1", "latest", "v1.x.2", "v1.34.-2"] {
        assert_eq!(v(bad), None, "{bad:?}");
    }
    assert_eq!(v("v1.34.2+k3s1").unwrap().to_string(), "v1.34.2");
}

#[test]
fn a_zone_newer_than_the_zone_before_it_fails_the_order() {
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.34.2")]);
    assert_eq!(
        case.findings(CheckId::PromotionOrder),
        [row(
            3,
            "fail",
            "production runs v1.34.2, newer than staging's v1.33.5: promote through staging first",
            "server version"
        )]
    );
}

#[test]
fn equal_versions_with_other_builds_and_older_zones_keep_the_order() {
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.33.5")]);
    assert_eq!(case.findings(CheckId::PromotionOrder), []);
    // A newer patch is newer.
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.34.3"), Some("v1.33.5")]);
    assert_eq!(
        case.findings(CheckId::PromotionOrder),
        [row(
            2,
            "fail",
            "staging runs v1.34.3, newer than dev's v1.34.2: promote through dev first",
            "server version"
        )]
    );
}

#[test]
fn the_path_is_the_configured_order_not_the_zone_ids() {
    let path = "[promotion]\npath = [\"staging\", \"dev\", \"production\"]\n";
    let case = Case::new(path, [Some("v1.35.0"), Some("v1.34.2"), Some("v1.34.2")]);
    assert_eq!(
        case.findings(CheckId::PromotionOrder),
        [row(
            1,
            "fail",
            "dev runs v1.35.0, newer than staging's v1.34.2: promote through staging first",
            "server version"
        )]
    );
    // production follows dev now: dev's v1.35.0 is what it waits for.
    let case = Case::new(
        &format!("{path}{}", records(&[(1, "v1.35.0", "2026-11-27")])),
        [Some("v1.35.0"), Some("v1.36.0"), Some("v1.34.2")],
    );
    assert!(
        case.findings(CheckId::PromotionOrder).is_empty(),
        "staging is first: nothing before it"
    );
    assert!(
        case.findings(CheckId::PromotionSoak).contains(&row(
            1,
            "info",
            "production may follow from 2026-12-04; dev soaking 2d of 7d",
            "zones file"
        )),
        "{:?}",
        case.findings(CheckId::PromotionSoak)
    );
}

#[test]
fn a_zone_off_the_path_has_no_findings_and_says_so_on_its_line() {
    let case = Case::new(
        "[promotion]\npath = [\"dev\", \"staging\"]\n",
        [Some("v1.33.5"), Some("v1.33.5"), Some("v1.35.0")],
    );
    assert!(check(&case.cx()).iter().all(|f| f.zone != ZoneId(3)));
    assert_eq!(
        case.lines()[2],
        (
            3,
            "v1.35.0 · since unknown · not on the promotion path".to_string(),
            "info"
        )
    );
}

#[test]
fn moving_before_the_soak_ended_fails_and_names_the_soak() {
    let case = Case::new(
        &records(&[
            (1, "v1.34.2+k3s1", "2026-11-20"),
            (2, "v1.34.2", "2026-11-22"),
        ]),
        [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.33.5")],
    );
    let soak = case.findings(CheckId::PromotionSoak);
    assert!(
        soak.contains(&row(
            2,
            "fail",
            "staging moved to v1.34.2 after 2d of the 7d soak in dev",
            "zones file"
        )),
        "{soak:?}"
    );
    // Staging itself soaks now; production may follow a week after staging moved.
    assert!(soak.contains(&row(
        2,
        "info",
        "production may follow: staging has run v1.34.2 for 7d, past the 7d soak",
        "zones file"
    )));
}

#[test]
fn moving_after_the_soak_passes_and_moving_first_fails() {
    let case = Case::new(
        &records(&[(1, "v1.34.2", "2026-11-01"), (2, "v1.34.2", "2026-11-08")]),
        [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.34.2")],
    );
    // Exactly the soak is enough; production has no date.
    assert!(
        !case
            .findings(CheckId::PromotionSoak)
            .iter()
            .any(|f| f.0 == 2),
        "{:?}",
        case.findings(CheckId::PromotionSoak)
    );
    let case = Case::new(
        &records(&[(1, "v1.34.2", "2026-11-10"), (2, "v1.34.2", "2026-11-07")]),
        [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.33.5")],
    );
    assert!(case.findings(CheckId::PromotionSoak).contains(&row(
        2,
        "fail",
        "staging moved to v1.34.2 3d before dev did, skipping the 7d soak in dev",
        "zones file"
    )));
}

#[test]
fn while_a_zone_soaks_the_next_is_told_when_it_may_follow() {
    let case = Case::new(
        &records(&[
            (1, "v1.34.2+k3s1", "2026-11-26"),
            (2, "v1.33.5", "2026-10-01"),
        ]),
        [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")],
    );
    assert_eq!(
        case.findings(CheckId::PromotionSoak),
        [
            row(
                1,
                "info",
                "staging may follow from 2026-12-03; dev soaking 3d of 7d",
                "zones file"
            ),
            // When dev reached v1.33.5 is not recorded: staging's own soak is not judged.
            row(
                2,
                "unknown",
                "when dev reached v1.33.5 is unknown: whether staging waited for its soak is not judged",
                "since unknown"
            ),
            row(
                3,
                "unknown",
                "production runs v1.33.5 since unknown: its soak in staging is not judged",
                "since unknown"
            ),
        ]
    );
    assert_eq!(
        case.lines(),
        [
            (
                1,
                "v1.34.2 since 2026-11-26 (zones file) · soaking 3d of 7d · staging may follow from 2026-12-03"
                    .to_string(),
                "info"
            ),
            (
                2,
                "v1.33.5 since 2026-10-01 (zones file)".to_string(),
                "unknown"
            ),
            (3, "v1.33.5 · since unknown".to_string(), "unknown"),
        ]
    );
}

#[test]
fn a_soaked_zone_says_the_next_may_follow() {
    let case = Case::new(
        &records(&[(1, "v1.34.2", "2026-11-10"), (2, "v1.33.5", "2026-10-01")]),
        [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")],
    );
    assert!(case.findings(CheckId::PromotionSoak).contains(&row(
        1,
        "info",
        "staging may follow: dev has run v1.34.2 for 19d, past the 7d soak",
        "zones file"
    )));
    assert_eq!(
        case.lines()[0].1,
        "v1.34.2 since 2026-11-10 (zones file) · soaked: staging may follow"
    );
    assert_eq!(case.lines()[0].2, "info");
}

#[test]
fn soak_days_come_from_the_zones_file() {
    let case = Case::new(
        &format!(
            "[promotion]\nsoak_days = 3\n{}",
            records(&[(1, "v1.34.2", "2026-11-25"), (2, "v1.34.2", "2026-11-29")])
        ),
        [Some("v1.34.2"), Some("v1.34.2"), Some("v1.33.5")],
    );
    let soak = case.findings(CheckId::PromotionSoak);
    assert!(!soak.iter().any(|f| f.0 == 2 && f.1 == "fail"), "{soak:?}");
    assert!(soak.contains(&row(
        2,
        "info",
        "production may follow from 2026-12-02; staging soaking 0d of 3d",
        "zones file"
    )));
}

#[test]
fn records_win_over_the_observation_log_which_wins_over_nodes() {
    let base = || {
        Case::new("", [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")])
            .nodes(1, &[("v1.34.2+k3s1", Some("2026-11-15"))])
    };
    let since = |case: &Case| case.lines()[0].1.split(" · ").next().unwrap().to_string();
    assert_eq!(since(&base()), "v1.34.2 since 2026-11-15 (nodes)");
    // The console's first sight of dev is not a change: the nodes still date it.
    let first_sight = base().observed(1, "v1.34.2+k3s1", "2026-11-16T10:00:00Z");
    assert_eq!(since(&first_sight), "v1.34.2 since 2026-11-15 (nodes)");
    let logged = base()
        .observed(1, "v1.33.5+k3s1", "2026-11-01T10:00:00Z")
        .observed(1, "v1.34.2+k3s1", "2026-11-16T10:00:00Z");
    assert_eq!(since(&logged), "v1.34.2 since 2026-11-16 (observation log)");
    let mut recorded = logged;
    recorded.config.promotion = parse_zones(
        &format!("{ZONES}{}", records(&[(1, "1.34.2", "2026-11-17")])),
        Path::new("z"),
    )
    .unwrap()
    .promotion;
    assert_eq!(since(&recorded), "v1.34.2 since 2026-11-17 (zones file)");
    // A record of another version or zone does not date this one.
    let other = Case::new(
        &records(&[(1, "v1.34.1", "2026-11-01"), (2, "v1.34.2", "2026-11-02")]),
        [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")],
    );
    assert_eq!(other.lines()[0].1, "v1.34.2 · since unknown");
}

#[test]
fn the_observation_log_dates_the_latest_run_on_the_version() {
    let since = |case: &Case| case.lines()[0].1.split(" · ").next().unwrap().to_string();
    let case = Case::new("", [Some("v1.34.2+k3s2"), Some("v1.33.5"), Some("v1.33.5")])
        .observed(1, "v1.32.9+k3s1", "2026-10-15")
        .observed(2, "v1.32.9", "2026-10-16")
        .observed(1, "v1.33.5+k3s1", "2026-11-01")
        .observed(2, "v1.33.5", "2026-11-02")
        .observed(1, "v1.34.2+k3s1", "2026-11-18")
        .observed(1, "v1.34.2+k3s2", "2026-11-20");
    assert_eq!(since(&case), "v1.34.2 since 2026-11-18 (observation log)");
    // Back to v1.33.5 and up again: the clock starts again.
    let case =
        case.observed(1, "v1.33.5+k3s1", "2026-11-21")
            .observed(1, "v1.34.2+k3s2", "2026-11-23");
    assert_eq!(since(&case), "v1.34.2 since 2026-11-23 (observation log)");
    // dev's earlier v1.33.5 run dates staging's soak on it.
    assert!(
        case.findings(CheckId::PromotionSoak).contains(&row(
            2,
            "fail",
            "staging moved to v1.33.5 after 1d of the 7d soak in dev",
            "observation log"
        )),
        "{:?}",
        case.findings(CheckId::PromotionSoak)
    );
}

#[test]
fn nodes_date_a_version_by_the_oldest_node_running_it() {
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")]).nodes(
        1,
        &[
            ("v1.34.2+k3s1", Some("2026-11-21T08:00:00Z")),
            ("v1.34.2+k3s1", Some("2026-11-19T08:00:00Z")),
            ("v1.33.5+k3s1", Some("2026-01-01")),
            ("v1.34.2+k3s1", None),
        ],
    );
    assert_eq!(
        case.lines()[0].1,
        "v1.34.2 since 2026-11-19 (nodes) · soaked: staging may follow"
    );
    // No node with a creation time on the version: unknown, not a guess.
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.33.5")]).nodes(
        1,
        &[("v1.34.2+k3s1", None), ("v1.33.5", Some("2026-01-01"))],
    );
    assert_eq!(case.lines()[0].1, "v1.34.2 · since unknown");
    assert_eq!(
        case.findings(CheckId::PromotionSoak)[0],
        row(
            1,
            "unknown",
            "dev runs v1.34.2 since unknown: when staging may follow is unknown",
            "since unknown"
        )
    );
}

#[test]
fn zones_upgraded_within_one_soak_window_each_fail_naming_the_others() {
    let case = Case::new(
        &records(&[
            (1, "v1.34.2", "2026-11-20"),
            (2, "v1.34.2", "2026-11-21"),
            (3, "v1.34.2", "2026-11-22"),
        ]),
        [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.34.2")],
    );
    let window = "within one 7d soak window of";
    let tail = "upgrading zones simultaneously; follow the zone promotion path";
    assert_eq!(
        case.findings(CheckId::PromotionSimultaneous),
        [
            row(
                1,
                "fail",
                &format!(
                    "dev moved to v1.34.2 on 2026-11-20, {window} staging (v1.34.2 on 2026-11-21) and production (v1.34.2 on 2026-11-22): {tail}"
                ),
                "zones file"
            ),
            row(
                2,
                "fail",
                &format!(
                    "staging moved to v1.34.2 on 2026-11-21, {window} dev (v1.34.2 on 2026-11-20) and production (v1.34.2 on 2026-11-22): {tail}"
                ),
                "zones file"
            ),
            row(
                3,
                "fail",
                &format!(
                    "production moved to v1.34.2 on 2026-11-22, {window} dev (v1.34.2 on 2026-11-20) and staging (v1.34.2 on 2026-11-21): {tail}"
                ),
                "zones file"
            ),
        ]
    );
}

#[test]
fn changes_a_soak_apart_or_to_other_versions_are_not_simultaneous() {
    // dev starts on the next minor two days before production takes the one staging soaked:
    // the promotion path at work, not one upgrade everywhere at once.
    let case = Case::new(
        &records(&[(1, "v1.35.0", "2026-11-22"), (2, "v1.34.2", "2026-11-08")]),
        [Some("v1.35.0"), Some("v1.34.2"), Some("v1.34.2")],
    )
    .nodes(3, &[("v1.34.2", Some("2026-11-24"))]);
    assert_eq!(
        case.findings(CheckId::PromotionSimultaneous),
        [],
        "other versions close together, the same one a soak and more apart"
    );
}

#[test]
fn the_same_minor_within_a_window_fails_with_each_zones_date_source() {
    let case = Case::new(
        &records(&[(1, "v1.34.2", "2026-11-22"), (2, "v1.33.5", "2026-11-20")]),
        [Some("v1.34.2+k3s1"), Some("v1.33.5"), Some("v1.34.1")],
    )
    .nodes(3, &[("v1.34.1", Some("2026-11-24"))]);
    assert_eq!(
        case.findings(CheckId::PromotionSimultaneous),
        [
            row(
                1,
                "fail",
                "dev moved to v1.34.2 on 2026-11-22, within one 7d soak window of production (v1.34.1 on 2026-11-24): upgrading zones simultaneously; follow the zone promotion path",
                "dev: zones file; production: nodes"
            ),
            row(
                3,
                "fail",
                "production moved to v1.34.1 on 2026-11-24, within one 7d soak window of dev (v1.34.2 on 2026-11-22): upgrading zones simultaneously; follow the zone promotion path",
                "production: nodes; dev: zones file"
            ),
        ]
    );
}

#[test]
fn missing_dates_are_unknown_never_pass_or_fail() {
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.33.5")]);
    let all = check(&case.cx());
    assert!(
        all.iter().all(|f| f.severity == CheckSeverity::Unknown),
        "{all:?}"
    );
    assert_eq!(
        case.findings(CheckId::PromotionSimultaneous)[0],
        row(
            1,
            "unknown",
            "dev runs v1.34.2 since unknown: whether it was upgraded with other zones is not judged",
            "since unknown"
        )
    );
    assert_eq!(
        case.lines(),
        [
            (1, "v1.34.2 · since unknown".to_string(), "unknown"),
            (2, "v1.34.2 · since unknown".to_string(), "unknown"),
            (3, "v1.33.5 · since unknown".to_string(), "unknown"),
        ]
    );
}

#[test]
fn a_zone_that_is_not_live_is_unknown_and_not_judged_on_its_stale_version() {
    // Staging was seen on v1.35.0 (which would fail the order) and then lost its connection.
    let mut case = Case::new(
        &records(&[
            (1, "v1.34.2", "2026-11-01"),
            (2, "v1.35.0", "2026-11-02"),
            (3, "v1.33.5", "2026-10-01"),
        ]),
        [Some("v1.34.2+k3s1"), Some("v1.35.0"), Some("v1.33.5")],
    );
    case.fleet
        .zone_mut(ZoneId(2))
        .unwrap()
        .apply(ZoneEvent::Link(LinkStatus::Failed {
            error: "connection refused".into(),
            cause: FailureCause::Unreachable,
            retry_at: None,
        }));
    let all = check(&case.cx());
    assert!(
        all.iter().all(|f| f.severity != CheckSeverity::Fail),
        "{all:?}"
    );
    assert_eq!(
        case.findings(CheckId::PromotionOrder),
        [
            row(
                2,
                "unknown",
                "staging is reconnecting: its place on the promotion path is not judged",
                "zone state"
            ),
            row(
                3,
                "unknown",
                "staging is reconnecting: production's v1.33.5 is not compared with it",
                "zone state"
            ),
        ]
    );
    assert!(case.findings(CheckId::PromotionSoak).contains(&row(
        2,
        "unknown",
        "staging is reconnecting: its soak is not judged",
        "zone state"
    )));
    assert_eq!(
        case.lines()[1],
        (
            2,
            "version unknown · staging is reconnecting".to_string(),
            "unknown"
        )
    );
    // dev's soak does not promise staging anything: staging's version is not known now.
    assert!(
        !case
            .findings(CheckId::PromotionSoak)
            .iter()
            .any(|f| f.0 == 1)
    );
}

#[test]
fn a_zone_never_reached_is_unknown_for_every_promotion_check() {
    let case = Case::new("", [None, Some("v1.34.2"), Some("v1.34.2")]);
    let dev: Vec<_> = check(&case.cx())
        .into_iter()
        .filter(|f| f.zone == ZoneId(1))
        .map(|f| (f.id, f.severity, f.message))
        .collect();
    assert_eq!(
        dev,
        [
            (
                CheckId::PromotionSoak,
                CheckSeverity::Unknown,
                "dev is connecting: its soak is not judged".to_string()
            ),
            (
                CheckId::PromotionSimultaneous,
                CheckSeverity::Unknown,
                "dev is connecting: whether it was upgraded with other zones is not judged"
                    .to_string()
            ),
        ]
    );
    assert_eq!(case.lines()[0].1, "version unknown · dev is connecting");
}

#[test]
fn a_line_reads_as_the_worst_of_its_zones_findings() {
    let case = Case::new(
        &records(&[(1, "v1.33.5", "2026-10-01"), (2, "v1.33.5", "2026-10-20")]),
        [Some("v1.33.5"), Some("v1.33.5"), Some("v1.34.2")],
    )
    .nodes(3, &[("v1.34.2", Some("2026-11-02"))]);
    let lines = case.lines();
    assert_eq!(
        lines[0],
        (
            1,
            "v1.33.5 since 2026-10-01 (zones file)".to_string(),
            "info"
        )
    );
    assert_eq!(
        lines[1],
        (
            2,
            "v1.33.5 since 2026-10-20 (zones file)".to_string(),
            "info"
        )
    );
    assert_eq!(
        lines[2],
        (3, "v1.34.2 since 2026-11-02 (nodes)".to_string(), "fail")
    );
}

#[test]
fn the_consoles_first_sight_of_every_zone_is_no_simultaneous_upgrade() {
    // A fresh state dir: the console saw all three zones for the first time in one minute.
    let case = Case::new("", [Some("v1.34.2+k3s1"), Some("v1.34.2"), Some("v1.34.2")])
        .observed(1, "v1.34.2+k3s1", "2026-11-29T10:00:00Z")
        .observed(2, "v1.34.2", "2026-11-29T10:00:01Z")
        .observed(3, "v1.34.2", "2026-11-29T10:00:02Z");
    let simultaneous = case.findings(CheckId::PromotionSimultaneous);
    assert!(
        !simultaneous.iter().any(|f| f.1 == "fail"),
        "{simultaneous:?}"
    );
    assert!(
        case.lines().iter().all(|l| l.1.contains("since unknown")),
        "{:?}",
        case.lines()
    );
}
