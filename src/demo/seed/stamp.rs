//! The byte template engine for mass-seeded pods: a pod serialized once with placeholders,
//! then rendered per pod by splicing in its name, uid, IP, container id and resourceVersion.

/// Placeholder for the pod's name.
pub(super) const SLOT_NAME: &str = "@@NAME@@";
/// Placeholder for the pod's uid.
pub(super) const SLOT_UID: &str = "@@UID@@";
/// Placeholder for the pod's IP.
pub(super) const SLOT_IP: &str = "@@IP@@";
/// Placeholder for the container id.
pub(super) const SLOT_CID: &str = "@@CID@@";
/// Placeholder for the resourceVersion.
pub(super) const SLOT_RV: &str = "@@RV@@";
/// The placeholders of a stamp, in the order `Stamp::render` takes their values.
const SLOTS: [&str; 5] = [SLOT_NAME, SLOT_UID, SLOT_IP, SLOT_CID, SLOT_RV];

/// Serialized JSON split at placeholders, for cheap per-object rendering.
pub(super) struct Stamp {
    parts: Vec<StampPart>,
}

/// A run of literal bytes, or the index of a placeholder in [`SLOTS`].
enum StampPart {
    Text(Vec<u8>),
    Slot(usize),
}

impl Stamp {
    /// Split serialized JSON at its placeholders.
    pub(super) fn compile(bytes: &[u8]) -> Stamp {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        let mut index = 0;
        while index < bytes.len() {
            let slot = SLOTS
                .iter()
                .position(|slot| bytes[index..].starts_with(slot.as_bytes()));
            match slot {
                Some(slot) => {
                    parts.push(StampPart::Text(std::mem::take(&mut text)));
                    parts.push(StampPart::Slot(slot));
                    index += SLOTS[slot].len();
                }
                None => {
                    text.push(bytes[index]);
                    index += 1;
                }
            }
        }
        parts.push(StampPart::Text(text));
        Stamp { parts }
    }

    /// The bytes with each placeholder replaced by its value, in [`SLOTS`] order.
    pub(super) fn render(&self, values: &[&str; 5]) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            self.parts
                .iter()
                .map(|p| match p {
                    StampPart::Text(text) => text.len(),
                    StampPart::Slot(_) => 64,
                })
                .sum(),
        );
        for part in &self.parts {
            match part {
                StampPart::Text(text) => out.extend_from_slice(text),
                StampPart::Slot(slot) => out.extend_from_slice(values[*slot].as_bytes()),
            }
        }
        out
    }
}
