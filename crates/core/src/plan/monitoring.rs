//! MONITORING_ENABLED: a ServiceMonitor for the platform's services (`/metrics` on their http
//! port) and a PodMonitor for PostgreSQL (CloudNativePG's exporter, port `metrics`), for a
//! Prometheus operator the operator runs; and the NetworkPolicies that let Prometheus scrape.

use super::{Ctx, Map, NetworkPolicy};
use serde::Serialize;
use serde_json::{json, Value};

/// CloudNativePG's metrics exporter port (container port name `metrics`).
pub const POSTGRES_METRICS_PORT: u16 = 9187;

#[derive(Debug, Serialize)]
pub struct Monitoring {
    /// The ServiceMonitor of the platform's services.
    pub platform: String,
    /// Its Service selector: the platform's components.
    pub platform_selector: Value,
    /// The PodMonitor of PostgreSQL's instances (none with an external server).
    pub postgres: Option<String>,
    pub postgres_selector: Value,
    pub network_policies: Vec<NetworkPolicy>,
    pub labels: Map,
}

pub(crate) fn plan(
    ctx: &Ctx,
    monitoring: &crate::config::Monitoring,
    components: &[&'static str],
    cluster: Option<&str>,
) -> Monitoring {
    let mut labels = ctx.labels("monitoring", "nap");
    labels.append(super::placement::label_map(&monitoring.labels));
    let platform_selector = json!({
        "matchLabels": {"app.kubernetes.io/part-of": "nap", "app.kubernetes.io/instance": "nap"},
        "matchExpressions": [{"key": "app.kubernetes.io/component", "operator": "In", "values": super::network::component_names(components)}],
    });
    Monitoring {
        platform: "nap-platform".into(),
        platform_selector,
        postgres: cluster.map(str::to_string),
        postgres_selector: json!({"matchLabels": {"cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance"}}),
        network_policies: super::network::monitoring(ctx, monitoring, components, cluster),
        labels,
    }
}
