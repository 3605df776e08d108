//! Placement: which nodes the platform's pods run on (NODE_SELECTOR, TOLERATIONS), how they are
//! prioritised (PRIORITY_CLASS_NAME) and spread (multi-node).

use super::Map;
use crate::config::types::{Label, Toleration};
use serde::Serialize;
use serde_json::{json, Value};

/// Scheduling fields of a pod; `None` leaves the field out.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Placement {
    pub node_selector: Option<Map>,
    pub tolerations: Option<Vec<Value>>,
    pub priority_class_name: Option<String>,
    /// `runtimeClassName` (run-time pods only); left out of the serialised plan when unset, so
    /// that what the seed Jobs' names hash stays the same.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
}

impl Placement {
    /// The platform's own pods: node selector, tolerations and priority class.
    pub(crate) fn platform(config: &crate::config::Placement) -> Placement {
        Placement::of(
            &config.node_selector,
            &config.tolerations,
            config.priority_class_name.clone(),
            None,
        )
    }

    /// Pods the platform creates at run time (workspaces, sandboxes, browser sessions): the
    /// run-time pool's nodes and runtime where they are given, else the platform's nodes; never
    /// the platform's priority, so many of them cannot preempt the platform.
    pub(crate) fn runtime(config: &crate::config::Placement) -> Placement {
        let pool = &config.runtime;
        Placement::of(
            pool.node_selector.as_ref().unwrap_or(&config.node_selector),
            pool.tolerations.as_ref().unwrap_or(&config.tolerations),
            None,
            pool.runtime_class_name.clone(),
        )
    }

    fn of(
        labels: &[Label],
        tolerations: &[Toleration],
        priority_class_name: Option<String>,
        runtime_class_name: Option<String>,
    ) -> Placement {
        let labels = label_map(labels);
        let tolerations: Vec<Value> = tolerations.iter().map(toleration).collect();
        Placement {
            node_selector: (!labels.is_empty()).then_some(labels),
            tolerations: (!tolerations.is_empty()).then_some(tolerations),
            priority_class_name,
            runtime_class_name,
        }
    }
}

/// NODE_SELECTOR as a map, in the order given.
pub(crate) fn node_selector(config: &crate::config::Placement) -> Map {
    label_map(&config.node_selector)
}

/// Labels as a map, in the order given.
pub(crate) fn label_map(labels: &[Label]) -> Map {
    labels
        .iter()
        .map(|l| (l.key.clone(), l.value.clone()))
        .collect()
}

/// One TOLERATIONS entry as a Kubernetes toleration: with a value the operator is Equal,
/// without one Exists; without an effect it matches every effect.
pub fn toleration(toleration: &Toleration) -> Value {
    let key = &toleration.key;
    let mut t = match &toleration.value {
        Some(value) => json!({"key": key, "operator": "Equal", "value": value}),
        None => json!({"key": key, "operator": "Exists"}),
    };
    if let Some(e) = &toleration.effect {
        t["effect"] = json!(e);
    }
    t
}

/// Multi-node: spread replicas over zones where the nodes carry zone labels, without ever
/// blocking scheduling (node spread is the preferred anti-affinity in `spread`).
pub(crate) fn zone_spread(multi_node: bool, selector: &Map) -> Option<Vec<Value>> {
    multi_node.then(|| {
        vec![json!({
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": selector},
        })]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerations_from_the_compact_syntax() {
        assert_eq!(
            toleration(&Toleration::from_item("dedicated=nap:NoSchedule")),
            json!({"key": "dedicated", "operator": "Equal", "value": "nap", "effect": "NoSchedule"})
        );
        assert_eq!(
            toleration(&Toleration::from_item("example.com/gpu:NoExecute")),
            json!({"key": "example.com/gpu", "operator": "Exists", "effect": "NoExecute"})
        );
        assert_eq!(
            toleration(&Toleration::from_item("dedicated=nap")),
            json!({"key": "dedicated", "operator": "Equal", "value": "nap"})
        );
        assert_eq!(
            toleration(&Toleration::from_item("dedicated")),
            json!({"key": "dedicated", "operator": "Exists"})
        );
    }
}
