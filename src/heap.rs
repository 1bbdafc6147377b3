//! How the process's allocator is tuned for what the console does most: decoding list pages
//! and watch events into many small, short-lived allocations beside the small projections it
//! keeps.
//!
//! - **Large short-lived buffers come from the heap, and the heap is trimmed after a paged
//!   relist.** A list page (500 objects: for the demo's pods about 1.25 MB of JSON, or 0.6 MB
//!   of protobuf) is read into a buffer, with hyper's read buffers before it and the page's
//!   decoded objects after it. glibc gives allocations above its mmap threshold (128 KiB at
//!   start) mappings of their own, each faulted in and zeroed per 4 KiB and unmapped again. When kube-runtime's watcher still
//!   read the pages (it made two fresh copies of each), that was about a sixth of the CPU of
//!   syncing 3 × 50,000 watched pods; the threshold was fixed at 4 MiB, so that such buffers
//!   reuse heap memory. (The list-then-watch, `cluster::list_watch`, now reuses one page buffer
//!   through a list; the threshold keeps the other such buffers in the heap, not measured on
//!   its own since.) glibc would otherwise raise it by itself (up to 32 MiB) but never give the
//!   holes such buffers leave back: with 3 × 10,000 watched pods that was 32 MiB free in a
//!   70 MiB heap. So after a relist that came in more than one page, [`release_free_memory`]
//!   hands the free pages back. Measured then: sync of 3 × 50,000 watched pods 4.2–4.4 s of CPU
//!   against 5.2–5.3 s; 66–68 MiB at 3 × 10,000, against 66.
//! - **No fast bins.** A small chunk freed past the per-thread cache waits in a fast bin, and
//!   every later request of a kilobyte or more (a decoded `Pod` was 2 KiB then) first merges all
//!   waiting chunks into the heap. Decoding a pod frees dozens of small strings and vectors, so
//!   that merge ran once or twice per pod. Without fast bins such chunks are merged as they are
//!   freed. Syncing 3 × 50,000 watched pods took 7 % less CPU (4.8–4.9 s against 5.1–5.4 s),
//!   with the same memory.
//!
//! No crate sets these, and each is one documented glibc call, so they are made here.

/// Allocations this large get mappings of their own: above a list page of 500 pods as real
/// servers send them (2–8 KiB each), held fixed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 4 * 1024 * 1024;

/// Fixes the allocator's mmap threshold (see the module) and turns its fast bins off, unless the
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

/// Gives the heap's free pages back to the system (glibc's `malloc_trim`): called after a relist
/// that came in pages, whose buffers left free memory behind. Does nothing off glibc.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of the allocator's arenas to the system; it
    // takes each arena's lock, as malloc does, and is safe to call from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}
