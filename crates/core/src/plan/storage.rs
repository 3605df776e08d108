//! NFS_SERVER: a StorageClass of the csi-driver-nfs provisioner for the shared directory.

use super::{Ctx, Map};
use crate::data::into_data;
use serde::Serialize;

/// The csi-driver-nfs provisioner.
pub const NFS_PROVISIONER: &str = "nfs.csi.k8s.io";

#[derive(Debug, Clone, Serialize)]
pub struct NfsClass {
    pub name: String,
    /// server, share, optional subDir, and onDelete: retain (a shared directory outlives its claim).
    pub parameters: Map,
    pub mount_options: Vec<String>,
    pub labels: Map,
}

into_data!(NfsClass {
    name,
    parameters,
    mount_options,
    labels
});

pub(crate) fn nfs_class(ctx: &Ctx) -> Option<NfsClass> {
    let s = ctx.settings;
    let server = s.opt("NFS_SERVER")?;
    let mut parameters = Map::default();
    parameters.insert("server", server.to_owned());
    parameters.insert("share", s.str("NFS_SHARE").to_owned());
    if let Some(sub) = s.opt("NFS_SUBDIR") {
        parameters.insert("subDir", sub.to_owned());
    }
    parameters.insert("onDelete", "retain");
    let name = crate::config::registry::nfs_storage_class(s);
    Some(NfsClass {
        labels: ctx.labels("storage", name.clone()),
        name,
        parameters,
        mount_options: s.list("NFS_MOUNT_OPTIONS").to_vec(),
    })
}
