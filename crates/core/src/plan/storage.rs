//! NFS_SERVER: a StorageClass of the csi-driver-nfs provisioner for the shared directory.

use super::{Ctx, Map};
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

pub(crate) fn nfs_class(ctx: &Ctx) -> Option<NfsClass> {
    let nfs = ctx.config.storage.nfs.as_ref()?;
    let mut parameters = Map::default();
    parameters.insert("server", nfs.server.as_str().to_owned());
    parameters.insert("share", nfs.share.clone());
    if let Some(sub) = &nfs.subdir {
        parameters.insert("subDir", sub.clone());
    }
    parameters.insert("onDelete", "retain");
    let name = ctx.config.nfs_storage_class();
    Some(NfsClass {
        labels: ctx.labels("storage", name.clone()),
        name,
        parameters,
        mount_options: nfs.mount_options.clone(),
    })
}
