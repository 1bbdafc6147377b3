//! How the process's allocator keeps memory: large buffers are given back to the system when
//! they are freed, instead of staying in the heap.
//!
//! glibc serves allocations above a threshold (128 KiB at start) with their own mappings, which
//! `free` unmaps. But each time such a buffer is freed the threshold rises to its size (up to
//! 32 MiB), so the next ones (list pages being decoded, a relist's projected objects) come from
//! the heap and leave holes there once freed, which the process keeps resident. With
//! 3 × 10,000 watched pods that was about a third of the console's memory: 32 MiB free in a
//! 70 MiB heap, against 8 MiB free in 44 MiB with the threshold fixed. No crate sets this, and
//! it is one documented `mallopt` call, so it is made here.

/// glibc's default threshold, held fixed: allocations this large get mappings of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 128 * 1024;

/// Fixes the allocator's mmap threshold at its default, unless `MALLOC_MMAP_THRESHOLD_` is set
/// (the user's choice wins); call it before any thread starts. Does nothing off glibc.
pub fn give_large_buffers_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only sets a tunable of the allocator; it is called before the
        // runtime starts other threads, and a refusal (0) just leaves the default behaviour.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}
