//! The promotion checks: `promotion.order`, `promotion.soak`, `promotion.simultaneous`, and
//! each zone's promotion line for the overview.

use super::{CheckContext, CheckFinding, CheckSeverity};
use crate::config::ZoneId;

/// One zone's promotion state in a line: its version, since when and from where, its soak and
/// the next step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionLine {
    /// The zone.
    pub zone: ZoneId,
    /// `v1.34.2 since 2026-11-20 (zones file) · soaking 3d of 7d · staging may follow from 2026-11-27`.
    pub text: String,
    /// How it reads: `Fail` when one of the zone's promotion checks fails.
    pub severity: CheckSeverity,
}

/// The promotion checks' findings.
pub fn check(_cx: &CheckContext<'_>) -> Vec<CheckFinding> {
    Vec::new()
}

/// Every zone's promotion line, in the fleet's zone order.
pub fn promotion_lines(_cx: &CheckContext<'_>) -> Vec<PromotionLine> {
    Vec::new()
}
