//! Churn: pod label and probe-time updates at a steady rate, so watchers have traffic to
//! follow (`--churn`); a share of them also counts a container restart (`--churn-restarts`),
//! so that some of the traffic changes what the console shows.

use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;
use tokio::time::Instant;

use super::Controller;
use crate::demo::factory::timestamp;
use crate::demo::resources::ServedKind;
use crate::demo::seed::LOAD_WORKLOAD_PREFIX;
use crate::demo::store::StoreKey;

/// Label the churn simulation toggles on pods.
pub const CHURN_LABEL: &str = "ge.io/churn";

impl Controller {
    /// Time between churn timers.
    pub(super) fn churn_period(&self) -> Duration {
        Duration::from_secs_f64((1.0 / self.churn_rate).clamp(0.05, 60.0))
    }

    /// Toggle the churn label on a few pods (the generated load pods when there are any,
    /// wherever their namespace, else GE pods).
    pub(super) fn churn(&mut self) {
        let now = Instant::now();
        self.churn_budget += self.churn_rate * now.duration_since(self.churn_last).as_secs_f64();
        self.churn_last = now;
        let updates = self.churn_budget.floor() as usize;
        if updates == 0 {
            return;
        }
        self.churn_budget -= updates as f64;
        let load_namespace = self.zone.load_namespace.as_str();
        let is_load =
            |key: &StoreKey| key.0 == load_namespace && key.1.starts_with(LOAD_WORKLOAD_PREFIX);
        let has_load = self.pods.keys().any(is_load);
        let candidates: Vec<StoreKey> = self
            .pods
            .iter()
            .filter(|(key, info)| {
                !info.terminating
                    && if has_load {
                        is_load(key)
                    } else {
                        key.0.starts_with("ge-")
                    }
            })
            .map(|(key, _)| key.clone())
            .collect();
        if candidates.is_empty() {
            return;
        }
        for _ in 0..updates.min(1_000) {
            let index = (self.rng.next_u64() % candidates.len() as u64) as usize;
            let Some(key) = candidates.get(index) else {
                continue;
            };
            self.churn_counter += 1;
            let value = self.churn_counter.to_string();
            let restart = counts_a_restart(self.churn_counter, self.zone.churn_restart_share);
            let probe = timestamp(Timestamp::now());
            let _ = self
                .zone
                .store
                .update(ServedKind::Pod, &key.0, &key.1, |mut pod| {
                    if !pod["metadata"]["labels"].is_object() {
                        pod["metadata"]["labels"] = json!({});
                    }
                    pod["metadata"]["labels"][CHURN_LABEL] = json!(value);
                    if let Some(conditions) = pod["status"]["conditions"].as_array_mut() {
                        for condition in conditions.iter_mut().filter(|c| c["type"] == "Ready") {
                            condition["lastProbeTime"] = json!(probe);
                        }
                    }
                    if restart && let Some(status) = pod["status"]["containerStatuses"].get_mut(0) {
                        let restarts = status["restartCount"].as_u64().unwrap_or(0);
                        status["restartCount"] = json!(restarts + 1);
                    }
                    Some(pod)
                });
        }
    }
}

/// Whether the `counter`th churn update counts a restart: spread evenly, `share` of them.
fn counts_a_restart(counter: u64, share: f64) -> bool {
    let upto = |n: u64| (n as f64 * share).floor();
    counter > 0 && upto(counter) > upto(counter - 1)
}

#[cfg(test)]
mod tests {
    use super::counts_a_restart;

    #[test]
    fn restarts_are_the_share_asked_for_spread_evenly() {
        let counted = |share: f64| (1..=1_000).filter(|&n| counts_a_restart(n, share)).count();
        assert_eq!(counted(0.0), 0);
        assert_eq!(counted(0.1), 100);
        assert_eq!(counted(0.5), 500);
        assert_eq!(counted(1.0), 1_000);
        let tenth: Vec<u64> = (1..=30).filter(|&n| counts_a_restart(n, 0.1)).collect();
        assert_eq!(tenth, [10, 20, 30]);
    }
}
