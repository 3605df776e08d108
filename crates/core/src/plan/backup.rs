//! PostgreSQL backups through the CloudNativePG barman-cloud plugin: an `ObjectStore` (where and
//! how long), a `ScheduledBackup` (when), and the Cluster's plugin entry that archives WAL.

use super::{Ctx, Map, NetworkPolicy};
use crate::config::types::Url;
use serde::Serialize;
use serde_json::{json, Value};

/// The plugin's name, as the Cluster and the ScheduledBackup refer to it.
pub const BARMAN_PLUGIN: &str = "barman-cloud.cloudnative-pg.io";
/// The plugin release whose manifest `prereqs` installs and whose ObjectStore CRD napgen targets.
pub const BARMAN_PLUGIN_VERSION: &str = "v0.14.0";
/// Keys of the S3 credentials Secret the operator creates.
pub const S3_ACCESS_KEY_ID: &str = "ACCESS_KEY_ID";
pub const S3_SECRET_ACCESS_KEY: &str = "ACCESS_SECRET_KEY";

#[derive(Debug, Serialize)]
pub struct Backup {
    pub object_store: String,
    pub scheduled_backup: String,
    pub cluster: String,
    /// The ObjectStore's `spec`.
    pub object_store_spec: Value,
    pub schedule: String,
    pub plugin: &'static str,
    /// The credentials Secret the operator provides.
    pub credentials_secret: String,
    pub network_policies: Vec<NetworkPolicy>,
    pub labels: Map,
}

pub(crate) fn plan(ctx: &Ctx, config: &crate::config::Backup, cluster: &str) -> Backup {
    let secret = config.credentials_secret.clone();
    let mut configuration = json!({
        "destinationPath": &config.destination_path,
        "endpointURL": config.s3_endpoint.as_ref().map(Url::as_str),
        "s3Credentials": {
            "accessKeyId": {"name": &secret, "key": S3_ACCESS_KEY_ID},
            "secretAccessKey": {"name": &secret, "key": S3_SECRET_ACCESS_KEY},
        },
        "wal": {"compression": "gzip"},
        "data": {"compression": "gzip"},
    });
    if config.s3_endpoint.is_none() {
        // Without an endpoint, barman-cloud uses AWS S3: the field is left out, not null.
        if let Some(fields) = configuration.as_object_mut() {
            fields.shift_remove("endpointURL");
        }
    }
    let mut spec = json!({
        "retentionPolicy": config.retention.as_str(),
        "configuration": configuration,
    });
    // The plugin's sidecar in each PostgreSQL pod uploads; it goes through the proxy too.
    let proxy_env: Vec<super::EnvVar> = ctx
        .outbound
        .env
        .iter()
        .filter(|e| e.name.to_ascii_uppercase().ends_with("_PROXY"))
        .cloned()
        .collect();
    if !proxy_env.is_empty() {
        spec["instanceSidecarConfiguration"] = json!({"env": proxy_env});
    }
    Backup {
        object_store: format!("{cluster}-backup"),
        scheduled_backup: cluster.to_string(),
        cluster: cluster.to_string(),
        object_store_spec: spec,
        schedule: config.schedule.clone(),
        plugin: BARMAN_PLUGIN,
        credentials_secret: secret,
        network_policies: super::network::backup(ctx, config, cluster),
        labels: ctx.labels("backup", format!("{cluster}-backup")),
    }
}

/// The Cluster's `plugins` entry: the plugin archives WAL to the ObjectStore.
pub(crate) fn cluster_plugin(backup: &Backup) -> Value {
    json!({
        "name": BARMAN_PLUGIN,
        "isWALArchiver": true,
        "parameters": {"barmanObjectName": &backup.object_store},
    })
}
