//! The operator's labels and annotations (COMMON_LABELS, POD_LABELS, POD_ANNOTATIONS,
//! SERVICE_ANNOTATIONS, SERVICE_ACCOUNT_ANNOTATIONS), added to rendered objects by kind.
//!
//! They go into `metadata` only, never into a selector, so changing them never meets an
//! immutable field (a Deployment's `spec.selector`, a Job's labels are untouched). Where napgen
//! sets the same key on an object, napgen's value stays: validation refuses the keys napgen owns
//! or that weaken security, so this only guards keys a template sets for one object.

use crate::config::types::Label;
use serde_json::{Map, Value};

/// What to add to which objects.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Metadata {
    pub common_labels: Vec<(String, String)>,
    pub pod_labels: Vec<(String, String)>,
    pub pod_annotations: Vec<(String, String)>,
    pub service_annotations: Vec<(String, String)>,
    pub service_account_annotations: Vec<(String, String)>,
}

fn pairs(labels: &[Label]) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|l| (l.key.clone(), l.value.clone()))
        .collect()
}

impl Metadata {
    pub fn new(config: &crate::config::Metadata) -> Metadata {
        Metadata {
            common_labels: pairs(&config.common_labels),
            pod_labels: pairs(&config.pod_labels),
            pod_annotations: pairs(&config.pod_annotations),
            service_annotations: pairs(&config.service_annotations),
            service_account_annotations: pairs(&config.service_account_annotations),
        }
    }

    /// Add the labels and annotations that `object` (a rendered object, or a run-time pod
    /// manifest) takes: common labels on it, and on its pod template with the pod labels and
    /// annotations; Service and ServiceAccount annotations by kind.
    pub fn apply(&self, object: &mut Value) {
        let kind = object["kind"].as_str().unwrap_or("").to_string();
        add(object, "labels", &self.common_labels);
        match kind.as_str() {
            "Service" => add(object, "annotations", &self.service_annotations),
            "ServiceAccount" => add(object, "annotations", &self.service_account_annotations),
            _ => {}
        }
        if let Some(pod) = pod_template(object, &kind) {
            add(pod, "labels", &self.common_labels);
            add(pod, "labels", &self.pod_labels);
            add(pod, "annotations", &self.pod_annotations);
        }
    }
}

/// The object holding a pod's `metadata`: the object itself for a Pod, its pod template for the
/// workload kinds.
fn pod_template<'a>(object: &'a mut Value, kind: &str) -> Option<&'a mut Value> {
    match kind {
        "Pod" => Some(object),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            object.pointer_mut("/spec/template")
        }
        "CronJob" => object.pointer_mut("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

/// Add `pairs` to `holder.metadata.<field>`, keeping values already there.
fn add(holder: &mut Value, field: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let Some(holder) = holder.as_object_mut() else {
        return;
    };
    let metadata = holder
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let map = metadata
        .entry(field)
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(map) = map.as_object_mut() {
        for (key, value) in pairs {
            map.entry(key.clone())
                .or_insert_with(|| Value::String(value.clone()));
        }
    }
}
