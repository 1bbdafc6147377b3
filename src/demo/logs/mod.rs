//! Pod logs as the kubelet keeps and serves them, generated instead of stored: a container
//! run's lines follow from its profile (chosen by image), its start and the zone's rate, so a
//! request for any window (tail, since, follow) computes exactly those lines and memory stays
//! flat however long the demo runs or however fast pods log.

mod profiles;
mod run;
mod timeline;

use jiff::Timestamp;

pub use run::{Run, resolve};
pub use timeline::Timeline;

/// Lines of a run its log file still holds: the kubelet rotates container logs, and a log
/// request reads only the current file.
pub const RETAINED_LINES: u64 = 10_000;

/// Which of a run's lines a request wants, besides following.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection {
    /// Only lines written at or after this time (`sinceSeconds`, `sinceTime`).
    pub since: Option<Timestamp>,
    /// Only the last this many lines (`tailLines`).
    pub tail: Option<u64>,
}

/// The position of the first line of `timeline` a request gets.
pub fn first_position(timeline: &Timeline, selection: Selection) -> u64 {
    let total = timeline.line_count();
    let mut first = total.saturating_sub(RETAINED_LINES);
    if let Some(tail) = selection.tail {
        first = first.max(total.saturating_sub(tail));
    }
    if let Some(since) = selection.since {
        first = first.max(timeline.position_at(since));
    }
    first
}

/// Append one line as the kubelet sends it: with `timestamps`, its RFC 3339 time (nanosecond
/// precision, trailing zeros dropped, as Go's RFC3339Nano) and a space first.
pub fn write_line(out: &mut Vec<u8>, at: Timestamp, line: &[u8], timestamps: bool) {
    if timestamps {
        out.extend_from_slice(at.to_string().as_bytes());
        out.push(b' ');
    }
    out.extend_from_slice(line);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn running_pod(started: &str, image: &str) -> serde_json::Value {
        json!({
            "metadata": {"name": "ge-executor-abc-xyz12", "namespace": "ge-agents", "uid": "u1"},
            "spec": {"nodeName": "n1", "containers": [{"name": "ge-executor", "image": image}]},
            "status": {"podIP": "10.42.0.17", "hostIP": "192.168.1.40", "containerStatuses": [{
                "name": "ge-executor", "image": image, "containerID": "containerd://c1",
                "restartCount": 0, "state": {"running": {"startedAt": started}}, "lastState": {}}]}
        })
    }

    #[test]
    fn timestamps_look_like_gos_rfc3339nano() {
        let mut out = Vec::new();
        let at: Timestamp = "2026-03-25T10:00:00.120Z".parse().unwrap();
        write_line(&mut out, at, b"hello", true);
        let whole: Timestamp = "2026-03-25T10:00:01Z".parse().unwrap();
        write_line(&mut out, whole, b"again", true);
        write_line(&mut out, whole, b"bare", false);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-03-25T10:00:00.12Z hello\n2026-03-25T10:00:01Z again\nbare\n"
        );
    }

    #[test]
    fn a_running_container_starts_then_logs_steadily_and_the_same_lines_come_back() {
        let pod = running_pod(
            "2026-03-25T10:00:00Z",
            "registry.ge.internal/ge-executor:t1",
        );
        let run = resolve(&pod, "ge-executor", false, 2.0).unwrap();
        let now: Timestamp = "2026-03-25T10:01:00Z".parse().unwrap();
        let timeline = run.timeline(now, None);
        assert!(!timeline.complete);
        assert!(
            (120..=130).contains(&timeline.line_count()),
            "{}",
            timeline.line_count()
        );
        let (first_at, first) = run.line(&timeline, 0).unwrap();
        assert_eq!(
            first_at,
            "2026-03-25T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(String::from_utf8_lossy(&first).contains("ge-executor t1 starting"));
        let again = resolve(&pod, "ge-executor", false, 2.0).unwrap();
        let later = again.timeline("2026-03-25T10:02:00Z".parse().unwrap(), None);
        for position in [0, 7, 50, timeline.line_count() - 1] {
            assert_eq!(run.line(&timeline, position), again.line(&later, position));
        }
    }

    #[test]
    fn tail_and_since_pick_the_end_and_the_window() {
        let pod = running_pod(
            "2026-03-25T10:00:00Z",
            "registry.ge.internal/ge-executor:t1",
        );
        let run = resolve(&pod, "ge-executor", false, 2.0).unwrap();
        let timeline = run.timeline("2026-03-25T10:01:00Z".parse().unwrap(), None);
        let total = timeline.line_count();
        let tail = Selection {
            tail: Some(5),
            ..Selection::default()
        };
        assert_eq!(first_position(&timeline, tail), total - 5);
        let since: Timestamp = "2026-03-25T10:00:50Z".parse().unwrap();
        let first = first_position(
            &timeline,
            Selection {
                since: Some(since),
                tail: None,
            },
        );
        assert!(run.line(&timeline, first).unwrap().0 >= since);
        assert!(run.line(&timeline, first - 1).unwrap().0 < since);
        let both = Selection {
            since: Some(since),
            tail: Some(1000),
        };
        assert_eq!(
            first_position(&timeline, both),
            first,
            "since wins over a long tail"
        );
    }

    #[test]
    fn a_weeks_old_container_keeps_only_the_retained_lines() {
        let pod = running_pod(
            "2026-02-15T10:00:00Z",
            "registry.ge.internal/ge-executor:t1",
        );
        let run = resolve(&pod, "ge-executor", false, 2.0).unwrap();
        let timeline = run.timeline("2026-03-25T10:00:00Z".parse().unwrap(), None);
        let total = timeline.line_count();
        assert!(total > 6_000_000);
        assert_eq!(
            first_position(&timeline, Selection::default()),
            total - RETAINED_LINES
        );
    }

    #[test]
    fn a_deleted_pods_container_says_goodbye_and_its_log_is_complete() {
        let mut pod = running_pod(
            "2026-03-25T10:00:00Z",
            "registry.ge.internal/ge-executor:t1",
        );
        pod["metadata"]["deletionTimestamp"] = json!("2026-03-25T10:01:30Z");
        pod["metadata"]["deletionGracePeriodSeconds"] = json!(30);
        let run = resolve(&pod, "ge-executor", false, 2.0).unwrap();
        let before = run.timeline("2026-03-25T10:00:59Z".parse().unwrap(), None);
        assert!(!before.complete);
        let after = run.timeline("2026-03-25T10:02:00Z".parse().unwrap(), None);
        assert!(after.complete);
        let (at, last) = run.line(&after, after.line_count() - 1).unwrap();
        assert!(at > "2026-03-25T10:01:00Z".parse::<Timestamp>().unwrap());
        assert!(
            String::from_utf8_lossy(&last).ends_with("stopped"),
            "{}",
            String::from_utf8_lossy(&last)
        );
        let sigterm = run.line(&after, after.line_count() - 3).unwrap().1;
        assert!(String::from_utf8_lossy(&sigterm).contains("received SIGTERM"));
    }

    #[test]
    fn the_kubelet_explains_containers_without_a_log() {
        let mut pod = running_pod("2026-03-25T10:00:00Z", "i:1");
        pod["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "ContainerCreating"}});
        assert_eq!(
            resolve(&pod, "ge-executor", false, 1.0).unwrap_err(),
            "container \"ge-executor\" in pod \"ge-executor-abc-xyz12\" is waiting to start: ContainerCreating"
        );
        assert_eq!(
            resolve(&pod, "ge-executor", true, 1.0).unwrap_err(),
            "previous terminated container \"ge-executor\" in pod \"ge-executor-abc-xyz12\" not found"
        );
        pod["status"]["containerStatuses"] = json!([]);
        assert_eq!(
            resolve(&pod, "ge-executor", false, 1.0).unwrap_err(),
            "container \"ge-executor\" in pod \"ge-executor-abc-xyz12\" is not available"
        );
    }

    #[test]
    fn a_crash_looping_container_shows_its_last_run_ending_in_the_crash() {
        let image = "registry.k8s.io/metrics-server/metrics-server:v0.8.0";
        let mut pod = running_pod("2026-03-25T10:00:00Z", image);
        pod["status"]["containerStatuses"][0]["name"] = json!("metrics-server");
        pod["spec"]["containers"][0]["name"] = json!("metrics-server");
        pod["status"]["containerStatuses"][0]["state"] =
            json!({"waiting": {"reason": "CrashLoopBackOff"}});
        pod["status"]["containerStatuses"][0]["lastState"] = json!({"terminated": {
            "exitCode": 1, "reason": "Error", "startedAt": "2026-03-25T10:05:00Z",
            "finishedAt": "2026-03-25T10:05:00Z", "containerID": "containerd://c1"}});
        for previous in [false, true] {
            let run = resolve(&pod, "metrics-server", previous, 1.0).unwrap();
            let timeline = run.timeline("2026-03-25T10:06:00Z".parse().unwrap(), None);
            assert!(timeline.complete);
            let (at, last) = run.line(&timeline, timeline.line_count() - 1).unwrap();
            assert_eq!(at, "2026-03-25T10:05:00Z".parse::<Timestamp>().unwrap());
            let last = String::from_utf8(last).unwrap();
            assert!(
                last.starts_with("E0325 10:05:00.000000       1 run.go:72] \"command failed\""),
                "{last}"
            );
            assert!(last.contains("is forbidden"), "{last}");
        }
    }
}
