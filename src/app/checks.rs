//! The runbook checks as the console holds them: their inputs from outside the clusters (the
//! `kubectl` on PATH, the log of version changes) and their findings. Findings are recomputed
//! after each model batch that can change them ([`crate::fleet::checks::feeds_checks`]: not
//! one of only pods and events) and, as soak clocks move with time, on ticks at most every
//! [`CHECKS_REFRESH`]; never per frame.

use std::time::{Duration, Instant};

use crate::actions::version_log::VersionLog;
use crate::clock::Clock;
use crate::config::{FleetConfig, PortsSpec};
use crate::fleet::Fleet;
use crate::fleet::checks::promotion::{PromotionLine, promotion_lines};
use crate::fleet::checks::{
    CheckContext, CheckFinding, KubectlClient, VersionObservation, run_checks,
};

/// How often ticks recompute the checks when the model did not change: soak clocks count in
/// days, so a few seconds is plenty.
pub const CHECKS_REFRESH: Duration = Duration::from_secs(5);

/// The checks' inputs and their last findings.
#[derive(Debug)]
pub struct CheckState {
    config: FleetConfig,
    kubectl: KubectlClient,
    observations: Vec<VersionObservation>,
    /// Where version changes are appended as they are seen (none: the observations stay as
    /// set).
    version_log: Option<VersionLog>,
    ports: PortsSpec,
    findings: Vec<CheckFinding>,
    promotion: Vec<PromotionLine>,
    computed_at: Option<Instant>,
}

impl CheckState {
    /// Checks over the zones file `config`, nothing computed yet.
    pub fn new(config: FleetConfig) -> CheckState {
        CheckState {
            config,
            kubectl: KubectlClient::NotProbed,
            observations: Vec::new(),
            version_log: None,
            ports: crate::config::built_in_ports(),
            findings: Vec::new(),
            promotion: Vec::new(),
            computed_at: None,
        }
    }

    /// The zones in promotion order.
    pub fn promotion_path(&self) -> &[crate::config::ZoneId] {
        &self.config.promotion.path
    }

    /// The `kubectl` on PATH, as probed.
    pub fn kubectl(&self) -> &KubectlClient {
        &self.kubectl
    }

    /// Says what the `kubectl` probe found (the next computation uses it).
    pub fn set_kubectl(&mut self, kubectl: KubectlClient) {
        self.kubectl = kubectl;
    }

    /// Replaces the log of version changes (oldest first).
    pub fn set_observations(&mut self, observations: Vec<VersionObservation>) {
        self.observations = observations;
    }

    /// Sets the ports the Services are checked against (the team's ports file, or the
    /// built-in table).
    pub fn set_ports(&mut self, ports: PortsSpec) {
        self.ports = ports;
    }

    /// Keeps the log of version changes: its observations are read now, and every version
    /// change seen from now on is appended to it.
    pub fn set_version_log(&mut self, log: VersionLog) {
        self.observations = log.observations().to_vec();
        self.version_log = Some(log);
    }

    /// Appends the version changes in `fleet` to the log, and reads its observations again
    /// when it grew.
    fn observe_versions(&mut self, fleet: &Fleet, clock: &Clock) {
        let Some(log) = &mut self.version_log else {
            return;
        };
        let before = log.observations().last().cloned();
        if let Err(error) = log.observe(fleet, clock.wall) {
            tracing::warn!(path = %log.path().display(), %error, "the version log could not be written");
            return;
        }
        if log.observations().last() != before.as_ref() {
            self.observations = log.observations().to_vec();
        }
    }

    /// Runs every check (and the promotion lines) over `fleet` now; true when the findings
    /// or the lines changed.
    pub fn recompute(&mut self, fleet: &Fleet, clock: &Clock) -> bool {
        self.observe_versions(fleet, clock);
        let cx = CheckContext {
            fleet,
            config: &self.config,
            now: clock.wall,
            kubectl: &self.kubectl,
            observations: &self.observations,
            ports: &self.ports,
        };
        let findings = run_checks(&cx);
        let promotion = promotion_lines(&cx);
        self.computed_at = Some(clock.instant);
        let changed = findings != self.findings || promotion != self.promotion;
        self.findings = findings;
        self.promotion = promotion;
        changed
    }

    /// On a tick: recomputes when the last computation is [`CHECKS_REFRESH`] old; true when
    /// the findings changed.
    pub fn on_tick(&mut self, fleet: &Fleet, clock: &Clock) -> bool {
        let due = self
            .computed_at
            .is_none_or(|at| clock.instant.saturating_duration_since(at) >= CHECKS_REFRESH);
        due && self.recompute(fleet, clock)
    }

    /// The findings, ordered by zone, check and subject.
    pub fn findings(&self) -> &[CheckFinding] {
        &self.findings
    }

    /// Each zone's promotion line, for the overview.
    pub fn promotion_lines(&self) -> &[PromotionLine] {
        &self.promotion
    }
}
