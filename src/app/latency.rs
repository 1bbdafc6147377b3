//! `--trace-latency FILE`: the console's own latency, measured from inside. For each model
//! change, the time the cluster layer read its watch event and the time the frame that shows
//! it was flushed to the terminal; for each key, the time it was read and the time its frame
//! was flushed. One line per record, `model MICROS` or `key MICROS`, written after each
//! frame; `cargo bench --bench scale -- latency` reads the file and reports percentiles.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// Records waiting for their frame, at most; beyond it records are counted, not kept (a
/// console that cannot draw must not grow without bound).
const MAX_PENDING: usize = 200_000;

/// What `--trace-latency` writes, and the records waiting for the next frame.
pub struct LatencyTrace {
    out: BufWriter<File>,
    pending_model: Vec<Instant>,
    pending_keys: Vec<Instant>,
    dropped: u64,
}

impl LatencyTrace {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        Ok(LatencyTrace {
            out: BufWriter::new(File::create(path)?),
            pending_model: Vec::new(),
            pending_keys: Vec::new(),
            dropped: 0,
        })
    }

    /// A model change read from a watch at `read_at` was applied; the next frame shows it.
    pub fn model_read(&mut self, read_at: Instant) {
        if self.pending_model.len() < MAX_PENDING {
            self.pending_model.push(read_at);
        } else {
            self.dropped += 1;
        }
    }

    /// A key was read at `read_at`; the next frame shows what it did.
    pub fn key_read(&mut self, read_at: Instant) {
        if self.pending_keys.len() < MAX_PENDING {
            self.pending_keys.push(read_at);
        } else {
            self.dropped += 1;
        }
    }

    /// The frame showing every pending record was flushed at `flushed_at`: writes them.
    pub fn frame_flushed(&mut self, flushed_at: Instant) -> io::Result<()> {
        for (label, pending) in [
            ("model", &mut self.pending_model),
            ("key", &mut self.pending_keys),
        ] {
            for read_at in pending.drain(..) {
                let micros = flushed_at.saturating_duration_since(read_at).as_micros();
                writeln!(self.out, "{label} {micros}")?;
            }
        }
        if self.dropped > 0 {
            writeln!(self.out, "dropped {}", self.dropped)?;
            self.dropped = 0;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_record_is_written_with_its_time_to_the_frame_that_showed_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("latency.txt");
        let mut trace = LatencyTrace::create(&path).unwrap();
        let start = Instant::now();
        trace.model_read(start);
        trace.model_read(start + Duration::from_millis(5));
        trace.key_read(start + Duration::from_millis(8));
        trace
            .frame_flushed(start + Duration::from_millis(12))
            .unwrap();
        // Nothing pending: a frame writes nothing more.
        trace
            .frame_flushed(start + Duration::from_millis(40))
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "model 12000\nmodel 7000\nkey 4000\n");
    }
}
