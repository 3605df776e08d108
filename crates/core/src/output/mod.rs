//! Objects out: YAML text, the bundle and its split files, the Helm chart and its archive.
pub mod bundle;
pub mod chart;
pub mod gitops;
pub mod yaml;
