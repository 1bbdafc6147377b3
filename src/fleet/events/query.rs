//! Pure functions over the zones' event stores: the merged fleet timeline (newest first, by
//! last-seen time), its filters, the events of one object and of a workload (the workload, its
//! ReplicaSets and its pods), a pod's latest Warning, and a zone's recent Warning count.

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{EventInfo, EventObject};
use crate::config::ZoneId;
use crate::fleet::health::workload_pods;
use crate::fleet::{Fleet, ObjectKey, WorkloadKey, WorkloadKind, ZoneModel};

/// How far back the overview's Warning count looks.
pub const RECENT_WARNINGS: Duration = Duration::from_secs(15 * 60);

/// Which events a timeline shows; the default shows them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this zone's.
    pub zone: Option<ZoneId>,
    /// Only events in this namespace.
    pub namespace: Option<String>,
    /// Only Warnings.
    pub warnings_only: bool,
    /// Only events about this object.
    pub object: Option<EventObject>,
    /// Only events last seen at or after this time.
    pub since: Option<Timestamp>,
    /// Text every match contains, case-insensitively, in its zone's name, type, reason,
    /// object, message or reporter; empty matches all.
    pub text: String,
}

impl EventFilter {
    /// This filter with `text` as its text.
    pub fn with_text(mut self, text: &str) -> EventFilter {
        self.text = text.to_string();
        self
    }

    /// Does `event` of `zone` pass?
    pub fn matches(&self, zone: &ZoneModel, event: &EventInfo) -> bool {
        self.matches_needle(zone, event, &self.needle())
    }

    /// The text as it is looked for.
    fn needle(&self) -> String {
        self.text.trim().to_lowercase()
    }

    fn matches_needle(&self, zone: &ZoneModel, event: &EventInfo, needle: &str) -> bool {
        if self.zone.is_some_and(|id| id != zone.config.id)
            || self.warnings_only && !event.is_warning()
            || self
                .namespace
                .as_ref()
                .is_some_and(|ns| ns != &event.namespace)
            || self
                .object
                .as_ref()
                .is_some_and(|o| !same_object(o, &event.object))
            || self
                .since
                .is_some_and(|since| event.last_seen.is_none_or(|t| t < since))
        {
            return false;
        }
        needle.is_empty() || {
            let haystack = [
                zone.config.name.as_str(),
                event.event_type.as_str(),
                event.reason.as_str(),
                event.object.kind.as_str(),
                event.object.namespace.as_str(),
                event.object.name.as_str(),
                event.message.as_str(),
                event.reporter.as_str(),
            ]
            .join(" ")
            .to_lowercase();
            haystack.contains(needle)
        }
    }
}

/// Kinds compare as kubectl compares them (case-insensitively); namespace and name exactly.
fn same_object(a: &EventObject, b: &EventObject) -> bool {
    a.kind.eq_ignore_ascii_case(&b.kind) && a.namespace == b.namespace && a.name == b.name
}

/// One row of the fleet timeline: an event and the zone it comes from.
#[derive(Debug, Clone, Copy)]
pub struct TimelineRow<'a> {
    /// The zone (in the fleet's order).
    pub zone: &'a ZoneModel,
    /// The event.
    pub event: &'a EventInfo,
}

impl TimelineRow<'_> {
    /// The zone's id and the event's key: what identifies the row across updates.
    pub fn key(&self) -> (ZoneId, ObjectKey) {
        (
            self.zone.config.id,
            ObjectKey::new(&self.event.namespace, &self.event.name),
        )
    }
}

/// Every zone's events that pass `filter`, merged newest first by last-seen time; ties in zone
/// order, then by namespace and name, so the order never flickers between frames.
pub fn timeline<'a>(fleet: &'a Fleet, filter: &EventFilter) -> Vec<TimelineRow<'a>> {
    let needle = filter.needle();
    let needle = needle.as_str();
    let mut rows: Vec<TimelineRow<'a>> = fleet
        .zones
        .iter()
        .filter(|zone| filter.zone.is_none_or(|id| id == zone.config.id))
        .flat_map(|zone| {
            zone.events
                .newest_first()
                .filter(move |e| filter.matches_needle(zone, e, needle))
                .map(move |event| TimelineRow { zone, event })
        })
        .collect();
    // Stable: equal times keep zone order, then each zone's key order.
    rows.sort_by_key(|row| std::cmp::Reverse(row.event.last_seen));
    rows
}

/// The events about one object in a zone, newest first.
pub fn object_events<'a>(zone: &'a ZoneModel, object: &EventObject) -> Vec<&'a EventInfo> {
    zone.events
        .newest_first()
        .filter(|e| same_object(object, &e.object))
        .collect()
}

/// The newest Warning about a pod that says why, if any. The kubelet echoes a waiting
/// container's reason as a Warning of its own (`Error: ImagePullBackOff`), newer than the
/// failure that says what went wrong (`Failed to pull image "…": … not found`): such an echo is
/// passed over while a Warning with a cause exists.
pub fn latest_warning_of<'a>(
    zone: &'a ZoneModel,
    namespace: &str,
    pod: &str,
) -> Option<&'a EventInfo> {
    let object = EventObject::new("Pod", namespace, pod);
    let mut warnings = zone
        .events
        .newest_first()
        .filter(|e| e.is_warning() && same_object(&object, &e.object));
    let newest = warnings.next()?;
    if !is_echo(newest) {
        return Some(newest);
    }
    Some(warnings.find(|e| !is_echo(e)).unwrap_or(newest))
}

/// `Error: ErrImagePull`: a message that is only a reason word after `Error: `.
fn is_echo(event: &EventInfo) -> bool {
    event
        .message
        .strip_prefix("Error: ")
        .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// How many Warnings a zone saw in the [`RECENT_WARNINGS`] before `now`.
pub fn recent_warnings(zone: &ZoneModel, now: Timestamp) -> usize {
    let span = SignedDuration::try_from(RECENT_WARNINGS).unwrap_or(SignedDuration::ZERO);
    let since = now.checked_sub(span).unwrap_or(Timestamp::MIN);
    zone.events
        .seen_since(since)
        .filter(|e| e.is_warning())
        .count()
}

/// The events of a workload, its ReplicaSets and its pods, newest first.
///
/// The ReplicaSets and pods it owns now are matched by ownership. Those already deleted (the
/// old pods of a finished rollout, whose `Killing` events outlive them) are no longer in the
/// model: an object the zone does not list is matched by the name its controller gives it
/// (`NAME-HASH` for a Deployment's ReplicaSet, `NAME-HASH-XXXXX` for its pods, `NAME-N` for a
/// StatefulSet's, `NAME-XXXXX` for a DaemonSet's).
pub fn workload_events<'a>(zone: &'a ZoneModel, key: &WorkloadKey) -> Vec<&'a EventInfo> {
    let replicasets: BTreeSet<&str> = zone
        .replicasets
        .values()
        .filter(|rs| {
            rs.namespace == key.namespace
                && rs
                    .owner
                    .as_ref()
                    .is_some_and(|o| o.kind == "Deployment" && o.name == key.name)
        })
        .map(|rs| rs.name.as_str())
        .collect();
    let pods: BTreeSet<&str> = workload_pods(zone, key)
        .into_iter()
        .map(|p| p.name.as_str())
        .collect();
    zone.events
        .newest_first()
        .filter(|e| {
            let o = &e.object;
            if o.namespace != key.namespace {
                return false;
            }
            let object_key = ObjectKey::new(&o.namespace, &o.name);
            match o.kind.as_str() {
                kind if kind.eq_ignore_ascii_case(key.kind.as_str()) => o.name == key.name,
                "ReplicaSet" if key.kind == WorkloadKind::Deployment => {
                    replicasets.contains(o.name.as_str())
                        || !zone.replicasets.contains_key(&object_key)
                            && generated_name(&o.name, &key.name, &[Part::Alnum])
                }
                "Pod" => {
                    pods.contains(o.name.as_str())
                        || !zone.pods.contains_key(&object_key)
                            && generated_name(&o.name, &key.name, pod_name_shape(key.kind))
                }
                _ => false,
            }
        })
        .collect()
}

/// A piece of a generated name after the controller's `NAME-`.
#[derive(Debug, Clone, Copy)]
enum Part {
    /// Lower-case letters and digits (a template hash, a random suffix).
    Alnum,
    /// Digits (a StatefulSet ordinal).
    Digits,
}

fn pod_name_shape(kind: WorkloadKind) -> &'static [Part] {
    match kind {
        WorkloadKind::Deployment => &[Part::Alnum, Part::Alnum],
        WorkloadKind::StatefulSet => &[Part::Digits],
        WorkloadKind::DaemonSet => &[Part::Alnum],
    }
}

/// Is `name` `owner-` followed by exactly these dash-separated parts?
fn generated_name(name: &str, owner: &str, shape: &[Part]) -> bool {
    let Some(rest) = name
        .strip_prefix(owner)
        .and_then(|rest| rest.strip_prefix('-'))
    else {
        return false;
    };
    let pieces: Vec<&str> = rest.split('-').collect();
    pieces.len() == shape.len()
        && pieces.iter().zip(shape).all(|(piece, part)| {
            !piece.is_empty()
                && match part {
                    Part::Alnum => piece
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                    Part::Digits => piece.chars().all(|c| c.is_ascii_digit()),
                }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEFAULT_ZONES_TOML, parse_zones};
    use crate::fleet::events::EventType;
    use crate::fleet::{ObjectChange, OwnerRef, PodInfo, ReplicaSetInfo, StoreChange, ZoneEvent};

    fn noon() -> Timestamp {
        "2026-03-26T12:00:00Z".parse().unwrap()
    }

    fn ago(minutes: i64) -> Timestamp {
        noon() - SignedDuration::from_mins(minutes)
    }

    fn event(ns: &str, name: &str, kind: &str, object: &str, minutes_ago: i64) -> EventInfo {
        EventInfo {
            namespace: ns.into(),
            name: name.into(),
            event_type: EventType::Normal,
            reason: "Scheduled".into(),
            object: EventObject::new(kind, ns, object),
            message: format!("about {object}"),
            count: 1,
            first_seen: Some(ago(minutes_ago)),
            last_seen: Some(ago(minutes_ago)),
            reporter: "kubelet".into(),
        }
    }

    fn warning(mut e: EventInfo, reason: &str) -> EventInfo {
        e.event_type = EventType::Warning;
        e.reason = reason.into();
        e
    }

    fn fleet() -> Fleet {
        let config = parse_zones(DEFAULT_ZONES_TOML, std::path::Path::new("z")).unwrap();
        Fleet::new(&config)
    }

    fn put(zone: &mut ZoneModel, events: Vec<EventInfo>) {
        for e in events {
            let ns = e.namespace.clone();
            zone.apply(ZoneEvent::Objects(ObjectChange::Events(
                ns,
                StoreChange::Upsert(e),
            )));
        }
    }

    fn names(rows: &[TimelineRow<'_>]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{}:{}", r.zone.config.name, r.event.name))
            .collect()
    }

    #[test]
    fn the_timeline_merges_zones_newest_first_with_stable_ties() {
        let mut fleet = fleet();
        put(
            &mut fleet.zones[0],
            vec![
                event("ge-agents", "a-old", "Pod", "p", 40),
                event("ge-agents", "a-new", "Pod", "p", 1),
                event("kube-system", "a-tie", "Pod", "p", 10),
            ],
        );
        put(
            &mut fleet.zones[1],
            vec![
                event("ge-agents", "b-mid", "Pod", "p", 5),
                event("ge-agents", "b-tie", "Pod", "p", 10),
            ],
        );
        put(
            &mut fleet.zones[2],
            vec![event("ge-data", "c-newest", "Pod", "p", 0)],
        );
        let rows = timeline(&fleet, &EventFilter::default());
        assert_eq!(
            names(&rows),
            [
                "production:c-newest",
                "dev:a-new",
                "staging:b-mid",
                "dev:a-tie",
                "staging:b-tie",
                "dev:a-old"
            ]
        );
        let only_dev = EventFilter {
            zone: Some(fleet.zones[0].config.id),
            ..EventFilter::default()
        };
        assert_eq!(
            names(&timeline(&fleet, &only_dev)),
            ["dev:a-new", "dev:a-tie", "dev:a-old"]
        );
        let kube_system = EventFilter {
            namespace: Some("kube-system".into()),
            ..EventFilter::default()
        };
        assert_eq!(names(&timeline(&fleet, &kube_system)), ["dev:a-tie"]);
        let since = EventFilter {
            since: Some(ago(5)),
            ..EventFilter::default()
        };
        assert_eq!(
            names(&timeline(&fleet, &since)),
            ["production:c-newest", "dev:a-new", "staging:b-mid"]
        );
    }

    #[test]
    fn warnings_text_and_object_filters() {
        let mut fleet = fleet();
        put(
            &mut fleet.zones[1],
            vec![
                warning(
                    event("kube-system", "w1", "Pod", "metrics-server-1", 2),
                    "BackOff",
                ),
                event("kube-system", "n1", "Pod", "metrics-server-1", 3),
                warning(
                    event("ge-agents", "w2", "Pod", "ge-sandbox-1", 4),
                    "FailedMount",
                ),
            ],
        );
        let warnings = EventFilter {
            warnings_only: true,
            ..EventFilter::default()
        };
        assert_eq!(
            names(&timeline(&fleet, &warnings)),
            ["staging:w1", "staging:w2"]
        );
        let text = EventFilter::default().with_text("  MOUNT ");
        assert_eq!(names(&timeline(&fleet, &text)), ["staging:w2"]);
        let zone_name = EventFilter::default().with_text("staging");
        assert_eq!(timeline(&fleet, &zone_name).len(), 3);
        let object = EventFilter {
            object: Some(EventObject::new("pod", "kube-system", "metrics-server-1")),
            ..EventFilter::default()
        };
        assert_eq!(
            names(&timeline(&fleet, &object)),
            ["staging:w1", "staging:n1"]
        );
        let zone = &fleet.zones[1];
        assert_eq!(
            latest_warning_of(zone, "kube-system", "metrics-server-1").map(|e| e.name.as_str()),
            Some("w1")
        );
        // The kubelet's "Error: ImagePullBackOff" echo is newer than the pull failure that
        // says why; the failure is what a stuck pod shows.
        let mut echo = warning(
            event("ge-agents", "echo", "Pod", "ge-sandbox-1", 1),
            "Failed",
        );
        echo.message = "Error: ImagePullBackOff".into();
        let mut cause = warning(
            event("ge-agents", "cause", "Pod", "ge-sandbox-1", 3),
            "Failed",
        );
        cause.message = "Failed to pull image \"x:broken\": not found".into();
        put(&mut fleet.zones[1], vec![echo.clone(), cause]);
        let zone = &fleet.zones[1];
        assert_eq!(
            latest_warning_of(zone, "ge-agents", "ge-sandbox-1").map(|e| e.name.as_str()),
            Some("cause")
        );
        let mut only_echo = fleet.zones[0].clone();
        put(&mut only_echo, vec![echo]);
        assert_eq!(
            latest_warning_of(&only_echo, "ge-agents", "ge-sandbox-1").map(|e| e.name.as_str()),
            Some("echo")
        );
        assert!(latest_warning_of(zone, "kube-system", "coredns-1").is_none());
    }

    #[test]
    fn recent_warnings_count_the_last_fifteen_minutes() {
        let mut fleet = fleet();
        put(
            &mut fleet.zones[0],
            vec![
                warning(event("kube-system", "now", "Pod", "p", 0), "BackOff"),
                warning(event("kube-system", "edge", "Pod", "p", 15), "BackOff"),
                warning(event("kube-system", "older", "Pod", "p", 16), "BackOff"),
                event("kube-system", "normal", "Pod", "p", 1),
            ],
        );
        assert_eq!(recent_warnings(&fleet.zones[0], noon()), 2);
        assert_eq!(recent_warnings(&fleet.zones[1], noon()), 0);
        assert_eq!(
            recent_warnings(&fleet.zones[0], noon() + SignedDuration::from_mins(10)),
            1
        );
    }

    #[test]
    fn a_workloads_events_are_its_own_its_replicasets_and_its_pods() {
        let mut fleet = fleet();
        let zone = &mut fleet.zones[0];
        let owner = |kind: &str, name: &str| {
            Some(OwnerRef {
                kind: kind.into(),
                name: name.into(),
            })
        };
        zone.apply(ZoneEvent::Objects(ObjectChange::ReplicaSets(
            StoreChange::Replace(vec![ReplicaSetInfo {
                namespace: "ge-agents".into(),
                name: "ge-executor-7f9c".into(),
                owner: owner("Deployment", "ge-executor"),
                desired: 1,
                current: 1,
                ready: 1,
                available: 1,
                revision: Some(2),
                template_hash: Some("7f9c".into()),
                images: vec![],
                created: None,
                change_cause: None,
            }]),
        )));
        let pod = |name: &str, rs: &str| PodInfo {
            namespace: "ge-agents".into(),
            name: name.into(),
            phase: "Running".into(),
            status: "Running".into(),
            message: None,
            ready_containers: 1,
            total_containers: 1,
            restarts: 0,
            node: None,
            images: vec![],
            owner: owner("ReplicaSet", rs),
            template_hash: None,
            created: None,
            started: None,
            deleting: false,
            containers: vec![],
            conditions: vec![],
        };
        zone.apply(ZoneEvent::Objects(ObjectChange::Pods(
            StoreChange::Replace(vec![
                pod("ge-executor-7f9c-abcde", "ge-executor-7f9c"),
                // Another deployment's pod whose name starts the same way: listed, not owned.
                pod("ge-executor-api-5d4c-qwert", "ge-executor-api-5d4c"),
            ]),
        )));
        put(
            zone,
            vec![
                event("ge-agents", "deploy", "Deployment", "ge-executor", 1),
                event("ge-agents", "rs", "ReplicaSet", "ge-executor-7f9c", 2),
                event("ge-agents", "pod", "Pod", "ge-executor-7f9c-abcde", 3),
                // The previous revision's ReplicaSet and pod, deleted since: matched by name.
                event("ge-agents", "old-rs", "ReplicaSet", "ge-executor-5b6a", 4),
                event("ge-agents", "old-pod", "Pod", "ge-executor-5b6a-zzzzz", 5),
                event(
                    "ge-agents",
                    "other-pod",
                    "Pod",
                    "ge-executor-api-5d4c-qwert",
                    6,
                ),
                event(
                    "ge-agents",
                    "other-deploy",
                    "Deployment",
                    "ge-executor-api",
                    7,
                ),
                event("ge-data", "elsewhere", "Pod", "ge-executor-7f9c-abcde", 8),
            ],
        );
        let key = WorkloadKey {
            kind: WorkloadKind::Deployment,
            namespace: "ge-agents".into(),
            name: "ge-executor".into(),
        };
        let found: Vec<&str> = workload_events(zone, &key)
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(found, ["deploy", "rs", "pod", "old-rs", "old-pod"]);
        let pod_events: Vec<&str> = object_events(
            zone,
            &EventObject::new("Pod", "ge-agents", "ge-executor-7f9c-abcde"),
        )
        .iter()
        .map(|e| e.name.as_str())
        .collect();
        assert_eq!(pod_events, ["pod"]);
    }

    #[test]
    fn generated_names_fit_their_controller_only() {
        let deploy = pod_name_shape(WorkloadKind::Deployment);
        assert!(generated_name(
            "ge-executor-7f9c6b5d48-abcde",
            "ge-executor",
            deploy
        ));
        assert!(!generated_name(
            "ge-executor-7f9c6b5d48",
            "ge-executor",
            deploy
        ));
        assert!(!generated_name(
            "ge-executor-x-7f9c6b5d48-abcde",
            "ge-executor",
            deploy
        ));
        assert!(!generated_name(
            "ge-executorx-7f9c-abcde",
            "ge-executor",
            deploy
        ));
        assert!(generated_name(
            "ge-executor-7f9c6b5d48",
            "ge-executor",
            &[Part::Alnum]
        ));
        let sts = pod_name_shape(WorkloadKind::StatefulSet);
        assert!(generated_name("postgresql-0", "postgresql", sts));
        assert!(!generated_name("postgresql-a", "postgresql", sts));
        let ds = pod_name_shape(WorkloadKind::DaemonSet);
        assert!(generated_name("node-exporter-x7k2p", "node-exporter", ds));
        assert!(!generated_name("node-exporter-", "node-exporter", ds));
    }
}
