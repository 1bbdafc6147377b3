//! Generated names and hashes: a deterministic random source per zone, Kubernetes' safe
//! alphabet for suffixes, pod-template hashes and image digests.

use serde_json::Value;

/// Characters Kubernetes uses for generated name suffixes and hashes (no vowels, no 0/1/3).
pub(super) const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A small deterministic random source (SplitMix64), seeded per zone.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from text (e.g. the zone name).
    pub fn from_text(text: &str) -> Rng {
        Rng(fnv64(text.as_bytes()))
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A 5-character generated-name suffix (like `-x7k2q`).
    pub fn name_suffix(&mut self) -> String {
        safe_encode(self.next_u64(), 5)
    }

    /// A random UUID-shaped uid.
    pub fn uid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    /// 64 lowercase hex characters (container ids, image digests).
    pub fn hex64(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

/// FNV-1a 64-bit hash.
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn safe_encode(mut value: u64, length: usize) -> String {
    let mut text = String::with_capacity(length);
    for _ in 0..length {
        text.push(char::from(
            SAFE_ALPHABET[(value % SAFE_ALPHABET.len() as u64) as usize],
        ));
        value /= SAFE_ALPHABET.len() as u64;
    }
    text
}

/// The `pod-template-hash` of a pod template (stable: serde_json maps are sorted).
pub fn template_hash(template: &Value) -> String {
    safe_encode(fnv64(template.to_string().as_bytes()), 10)
}

/// A deterministic sha256-looking digest for an image reference.
pub(super) fn image_digest(image: &str) -> String {
    let mut rng = Rng::from_text(image);
    rng.hex64()
}
