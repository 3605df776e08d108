//! napgen renders the NAP platform's Kubernetes install from a `values.env`, offline.
//!
//! The pipeline, one module per stage, plain data in between:
//! [`input`] (read values) → [`load`] (dotenv syntax) → [`validate`] (typed [`settings`], all
//! problems at once, keys from the [`registry`]) → [`plan`] (derived facts) → [`render`]
//! (templates → objects) → [`emit`] (bundle, files, folders, archives), with [`chart`] packaging
//! the objects as a Helm chart. [`app`] strings the stages together for the CLI, and [`fleet`]
//! renders many environments in one run.
pub mod app;
pub mod chart;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod images;
pub mod init;
pub mod input;
pub mod interrupt;
pub mod load;
pub mod plan;
pub mod prereqs;
pub mod rbac;
pub mod reference;
pub mod registry;
pub mod render;
pub mod settings;
pub mod toggle;
pub mod validate;
pub mod yaml;

/// An insertion-ordered map with a fixed, fast hash: for napgen's small maps keyed by names.
pub type OrderedMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::FixedState>;
