//! ge-console: a full-screen terminal console that watches GE's Kubernetes zones side by side.
//!
//! The crate is split into rooms with one-way doors: `cluster` (kube-rs watchers per zone)
//! feeds `fleet` (the projected, derived model), which `ui` draws; `demo` serves a simulated
//! fleet over real HTTP for newcomers and tests; `config` loads files before anything starts.

pub mod actions;
pub mod app;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod demo;
pub mod file_error;
pub mod fleet;
pub mod logging;
pub mod sanitize;
pub mod snapshot;
pub mod suggest;
pub mod ui;
