//! ge-console: a full-screen terminal console that watches GE's Kubernetes zones side by side.
//!
//! The crate is split into rooms with one-way doors (a test, `tests/doors.rs`, keeps them so):
//!
//! ```text
//! config ──► cluster ──► fleet ──► ui ──► actions ──► cluster (clients, mutations)
//!                                         app, commands, snapshot: the top, may use all
//! demo: a separate world (a fake API server); leaves: clock, file_error, suggest, sanitize, heap
//! ```
//!
//! - [`config`] reads the zones file before anything starts; it uses no other room.
//! - [`cluster`] talks to clusters: shared kube clients, watchers per zone and kind, mutations.
//! - [`fleet`] is the projected model and everything derived from it (health, rollouts).
//! - [`ui`] is a stack of layers drawn from the model, mapping keys through the keymap.
//! - [`actions`] is the one door for changes: guards, the restart pipeline, the build, the
//!   audit log, and the console's action runner.
//! - [`app`] holds the console's core (the event loop's logic without a terminal) and the loop.
//! - [`commands`] and [`snapshot`] are the headless twins of the console's actions and views.
//! - [`demo`] serves a simulated fleet over real HTTP for newcomers and tests.

#![warn(missing_docs)]

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
pub mod heap;
pub mod logging;
pub mod sanitize;
pub mod snapshot;
pub mod suggest;
pub mod ui;
