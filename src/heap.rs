//! How the process's allocator is tuned for what the console does most: decoding list pages
//! and watch events into many small, short-lived allocations beside the small projections it
//! keeps.
//!
//! - **Large buffers are given back to the system when they are freed**, instead of staying in
//!   the heap. glibc serves allocations above a threshold (128 KiB at start) with their own
//!   mappings, which `free` unmaps. But each time such a buffer is freed the threshold rises to
//!   its size (up to 32 MiB), so the next ones (list pages being decoded, a relist's projected
//!   objects) come from the heap and leave holes there once freed, which the process keeps
//!   resident. With 3 × 10,000 watched pods that was about a third of the console's memory:
//!   32 MiB free in a 70 MiB heap, against 8 MiB free in 44 MiB with the threshold fixed.
//! - **No fast bins.** A small chunk freed past the per-thread cache waits in a fast bin, and
//!   every later request of a kilobyte or more (a decoded `Pod` is 2 KiB) first merges all
//!   waiting chunks into the heap. Decoding a pod frees dozens of small strings and vectors, so
//!   that merge ran once or twice per pod. Without fast bins such chunks are merged as they are
//!   freed. Syncing 3 × 50,000 watched pods took 7 % less CPU (4.8–4.9 s against 5.1–5.4 s),
//!   with the same memory.
//!
//! No crate sets these, and each is one documented `mallopt` call, so they are made here.

/// glibc's default threshold, held fixed: allocations this large get mappings of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Fixes the allocator's mmap threshold at its default and turns its fast bins off, unless the
/// user tuned either (`MALLOC_MMAP_THRESHOLD_`, or `mxfast` in `GLIBC_TUNABLES`: their choice
/// wins); call it before any thread starts. Does nothing off glibc.
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        // SAFETY: mallopt only sets a tunable of the allocator; it is called before the
        // runtime starts other threads, and a refusal (0) just leaves the default behaviour.
        unsafe {
            if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none()
                && !tunables.contains("mmap_threshold")
            {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
            }
            if !tunables.contains("mxfast") {
                libc::mallopt(libc::M_MXFAST, 0);
            }
        }
    }
}
