//! napgen's core: the NAP platform's Kubernetes install from the text of a `values.env`, with no
//! file system, process environment, clock or random source of its own, so the command line and
//! a browser page run the same code.
//!
//! The pipeline, one folder per stage, plain data in between:
//! [`config`] (values text → entries → validated settings, keys from the registry) → [`plan`]
//! (derived facts) → [`render`] (templates → objects) → [`output`] (bundle text, split files,
//! the Helm chart and its archive). [`pipeline`] strings the stages together; [`ops`] holds what
//! the operator commands compute from them (diff, images, rbac, prereqs, init, the module toggle).
//! Every failure is an [`error::Error`], which maps to the documented exit codes.
pub mod config;
pub mod diagnostic;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod ops;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod render;

/// An insertion-ordered map with a fixed, fast hash: for napgen's small maps keyed by names.
pub type OrderedMap<K, V> = indexmap::IndexMap<K, V, foldhash::fast::FixedState>;
