//! The pod and claim templates the control plane creates workspace (and browser session) pods
//! from at run time.

use super::VolumeMount;
use super::{
    manifest, plain_env, Browser, Ctx, RuntimeContainer, Workspace, RUNTIME_TEMPLATES, SHARED_CLAIM,
};
use crate::config::types::AgentType;
use indexmap::IndexMap;
use serde_json::json;

/// One pod template per agent type, the workspace disk's claim, and the browser session's pod.
pub(crate) fn runtime(ctx: &mut Ctx, control_plane: &str, browser: Option<&Browser>) -> Workspace {
    let config = ctx.config;
    let workspace_labels = ctx.labels("workspace", "nap-workspace");
    let mut pod_templates = IndexMap::new();
    for &agent in &config.agents.types {
        let (used_by, url_var, key) = match agent {
            AgentType::Codex => ("Codex workspace pods", "OPENAI_BASE_URL", "OPENAI_API_KEY"),
            AgentType::ClaudeCode => (
                "Claude Code workspace pods",
                "ANTHROPIC_BASE_URL",
                "ANTHROPIC_API_KEY",
            ),
        };
        let base_url = match agent {
            AgentType::Codex => config.codex.as_ref().map(|c| &c.base_url),
            AgentType::ClaudeCode => config.claude_code.as_ref().map(|c| &c.base_url),
        }
        .expect("an agent type listed in AGENT_TYPES is on");
        let agent_image = ctx.platform_image(used_by, &format!("agent-{agent}"));
        let control_plane_url = ctx.service_url(control_plane);
        let memory_url = format!("{control_plane_url}/api/memory");
        let mut env = vec![
            plain_env("NAP_CONTROL_PLANE_URL", control_plane_url),
            plain_env("NAP_MEMORY_URL", memory_url),
            plain_env("NAP_SHARED_DIR", "/afs"),
            plain_env(url_var, base_url.as_str().to_owned()),
        ];
        let mut mounts = vec![
            VolumeMount::new("workspace", "/workspace"),
            VolumeMount::new("shared", "/afs"),
            VolumeMount::new("tmp", "/tmp"),
        ];
        let mut volumes = vec![
            // The control plane creates one claim per workspace from workspace-disk.yaml and
            // sets this claim name to it.
            json!({"name": "workspace", "persistentVolumeClaim": {"claimName": "nap-workspace-disk"}}),
            json!({"name": "shared", "persistentVolumeClaim": {"claimName": SHARED_CLAIM}}),
            json!({"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}),
        ];
        // Through the bridge, the agent's API key is the bridge's master key; the upstream key
        // stays with the bridge.
        let key_source = if config.bridge_serves(agent) {
            "BRIDGE_MASTER_KEY"
        } else {
            key
        };
        ctx.secret_files_as(&[(key_source, key)], false).attach(
            &mut env,
            &mut volumes,
            &mut mounts,
        );
        ctx.outbound.attach(&mut env, &mut volumes, &mut mounts);
        let mut pod_labels = workspace_labels.clone_with_room(1);
        pod_labels.insert("nap.io/agent-type", agent.as_str());
        let agents = &config.agents;
        let container = RuntimeContainer {
            name: "agent",
            image: &agent_image,
            env,
            resources: agents.workspace.clone(),
            mounts,
        };
        let template = ctx.runtime_pod(&pod_labels, Some("nap-workspace"), container, volumes);
        pod_templates.insert(format!("{agent}.yaml"), template);
    }
    let mut disk = json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"labels": &workspace_labels},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "storageClassName": &config.storage.rwo_class,
            "resources": {"requests": {"storage": config.storage.workspace_disk_size.as_str()}},
        },
    });
    ctx.metadata.apply(&mut disk);
    pod_templates.insert("workspace-disk.yaml".into(), manifest(&disk));
    if let Some(b) = browser {
        pod_templates.insert("browser-session.yaml".into(), b.session_template.clone());
    }
    Workspace {
        service_account: "nap-workspace".into(),
        templates_config_map: RUNTIME_TEMPLATES,
        pod_templates,
        labels: workspace_labels,
    }
}
