//! What the operator commands compute from a configuration, beside the install itself.
pub mod argocd;
pub mod diff;
pub mod graph;
pub mod images;
pub mod init;
pub mod prereqs;
pub mod rbac;
pub mod reference;
pub mod toggle;
