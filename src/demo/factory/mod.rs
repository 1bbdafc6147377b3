//! Builders for the objects the seed and the simulated controllers create: names, hashes,
//! timestamps, ReplicaSets and Pods in each lifecycle stage.

mod names;
mod pod;
mod time;
mod workload;
mod zone;

pub use names::{Rng, fnv64, template_hash};
pub use pod::{
    PodStage, StageChange, is_terminating, mark_unready, new_pod, restart_count, set_pod_stage,
};
pub use time::{human_duration, parse_age, parse_timestamp, timestamp};
pub use workload::{
    controller_owner, copy_deployment_annotations, new_replica_set, resolve_int_or_percent,
    rolling_bounds,
};
pub use zone::{Behaviour, NodeSlot, ZoneProfile};

#[cfg(test)]
mod tests {
    use super::names::SAFE_ALPHABET;
    use super::*;
    use jiff::SignedDuration;
    use serde_json::json;

    #[test]
    fn rolling_update_rounding_follows_kubernetes() {
        let deployment = json!({"spec": {"strategy": {"type": "RollingUpdate"}}});
        assert_eq!(rolling_bounds(&deployment, 2), (1, 0));
        assert_eq!(rolling_bounds(&deployment, 4), (1, 1));
        assert_eq!(rolling_bounds(&deployment, 10), (3, 2));
        assert_eq!(rolling_bounds(&deployment, 1), (1, 0));
        let explicit = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(rolling_bounds(&explicit, 3), (0, 1));
        let percent = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "50%"}}}});
        assert_eq!(rolling_bounds(&percent, 3), (2, 1));
        assert_eq!(resolve_int_or_percent(&json!("33%"), 10, true), 4);
        assert_eq!(resolve_int_or_percent(&json!("33%"), 10, false), 3);
    }

    #[test]
    fn human_durations_match_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(119), "119s");
        assert_eq!(human_duration(192), "3m12s");
        assert_eq!(human_duration(3600 * 5 + 60 * 7), "5h7m");
        assert_eq!(human_duration(86_400 * 41), "41d");
        assert_eq!(human_duration(86_400 * 3 + 3600 * 2), "3d2h");
    }

    #[test]
    fn ages_parse() {
        assert_eq!(
            parse_age("41d"),
            Some(SignedDuration::from_secs(41 * 86_400))
        );
        assert_eq!(parse_age("12m"), Some(SignedDuration::from_secs(720)));
        assert_eq!(parse_age("x"), None);
        assert_eq!(parse_age("5w"), None);
    }

    #[test]
    fn generated_names_use_the_safe_alphabet() {
        let mut rng = Rng::from_text("dev");
        let suffix = rng.name_suffix();
        assert_eq!(suffix.len(), 5);
        assert!(suffix.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        assert_eq!(template_hash(&json!({"a": 1})).len(), 10);
    }
}
