//! Code Sandbox: `nap-sandbox`, pointing at OpenSandbox, and the sandbox pod template nap-sandbox
//! reads (OpenSandbox, in its own namespace, mounts nothing of the platform's).

use super::oauth::{client, OAuthClient};
use super::VolumeMount;
use super::{plain_env, selector, tmp_volume, Ctx, Exposure, Workload};
use serde::Serialize;
use serde_json::json;

pub const POD_TEMPLATE_CONFIG_MAP: &str = "nap-sandbox-pod-template";

#[derive(Debug, Serialize)]
pub struct Sandbox {
    pub workload: Workload,
    pub network_policies: Vec<super::NetworkPolicy>,
    pub exposure: Exposure,
    /// Public origin (no trailing slash), the same one its OAuth client registers.
    pub origin: String,
    pub pod_template_config_map: &'static str,
    /// The sandbox pod template (YAML text), mounted into nap-sandbox at SANDBOX_POD_TEMPLATE.
    pub pod_template: String,
}

pub(crate) fn plan(
    ctx: &mut Ctx,
    config: &crate::config::Sandbox,
    platform_url: &str,
    clients: &[OAuthClient],
) -> Sandbox {
    let name = "nap-sandbox";
    let oauth = client(clients, "sandbox-service");
    let image = ctx.platform_image("Code Sandbox (nap-sandbox)", "sandbox-service");
    let runtime_image =
        ctx.platform_image("sandbox pods (created by OpenSandbox)", "sandbox-runtime");
    let secrets = [
        "SANDBOX_JWT_SECRET",
        "SANDBOX_SERVICE_KEY",
        "OPENSANDBOX_API_KEY",
    ];
    let mut env = super::oauth::client_env(ctx, platform_url, oauth, "SANDBOX_PUBLIC_URL");
    env.extend([
        plain_env(
            "OPENSANDBOX_URL",
            config.opensandbox_url.as_str().to_owned(),
        ),
        plain_env("SANDBOX_POD_TEMPLATE", "/etc/nap/sandbox/sandbox-pod.yaml"),
    ]);
    let pod_labels = ctx.labels("sandbox-pod", "nap-sandbox-pod");
    let (mut pod_env, mut pod_volumes, mut pod_mounts) = (
        Vec::new(),
        vec![
            json!({"name": "work", "emptyDir": {"sizeLimit": "10Gi"}}),
            json!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
        ],
        vec![
            VolumeMount::new("work", "/work"),
            VolumeMount::new("tmp", "/tmp"),
        ],
    );
    ctx.outbound
        .attach(&mut pod_env, &mut pod_volumes, &mut pod_mounts);
    let sandbox = super::RuntimeContainer {
        name: "sandbox",
        image: &runtime_image,
        env: pod_env,
        resources: config.pod.clone(),
        mounts: pod_mounts,
    };
    // OpenSandbox creates these pods with its own identity: no service account is named.
    let pod_template = ctx.runtime_pod(&pod_labels, None, sandbox, pod_volumes);
    let (tmp, tmp_mount) = tmp_volume("256Mi");
    let mut volumes = vec![
        json!({"name": "pod-template", "configMap": {"name": POD_TEMPLATE_CONFIG_MAP}}),
        tmp,
    ];
    let mut volume_mounts = vec![
        VolumeMount::read_only("pod-template", "/etc/nap/sandbox"),
        tmp_mount,
    ];
    ctx.secret_files(&secrets, false)
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    ctx.outbound
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    let sel = selector("sandbox", name);
    let pods = &config.service;
    let annotations = ctx.scan_exceptions(&[image.as_str()], &[]);
    let workload = Workload {
        name: name.into(),
        component: "sandbox",
        image,
        scale: pods.scale,
        labels: ctx.labels("sandbox", name),
        annotations,
        selector: sel.clone(),
        pod_annotations: ctx.checksums(
            None,
            &secrets,
            &[("checksum/pod-template", super::checksum(&pod_template))],
        ),
        env,
        resources: pods.resources.clone(),
        volumes,
        volume_mounts,
        service_account: name.into(),
        availability: ctx.availability(&sel, pods.scale.replicas),
    };
    Sandbox {
        workload,
        network_policies: super::network::sandbox(ctx),
        exposure: ctx.exposure(config.node_port),
        origin: oauth.origin.clone(),
        pod_template_config_map: POD_TEMPLATE_CONFIG_MAP,
        pod_template,
    }
}
