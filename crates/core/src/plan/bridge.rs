//! The LLM protocol bridge: LiteLLM's proxy, which serves the Anthropic (`/v1/messages`) and
//! Responses (`/v1/responses`) APIs agents speak and translates them to an upstream that only
//! serves Chat Completions. Stateless: its whole configuration is one ConfigMap, no database.

use super::VolumeMount;
use super::{plain_env, selector, tmp_volume, Ctx, Workload};
use crate::config::registry::{BRIDGE_PORT, BRIDGE_SERVICE};
use crate::config::Bridge as BridgeConfig;
use serde::Serialize;
use serde_json::{json, Value};

/// The ConfigMap holding LiteLLM's `config.yaml`.
pub const CONFIG_MAP: &str = "nap-llm-bridge-config";
/// Where the ConfigMap is mounted.
const CONFIG_DIR: &str = "/etc/litellm";

#[derive(Debug, Serialize)]
pub struct Bridge {
    pub workload: Workload,
    pub network_policies: Vec<super::NetworkPolicy>,
    pub config_map: &'static str,
    /// LiteLLM's `config.yaml`: secrets appear only as `os.environ/NAME` references.
    pub config: String,
    pub port: u16,
}

/// LiteLLM's `config.yaml`. Each agent-facing name is a deployment of the upstream model with the
/// `custom_openai/` prefix: LiteLLM then translates both `/v1/messages` and `/v1/responses`
/// through the upstream's `/chat/completions` (an `openai/` deployment would send `/responses`
/// on unchanged, which a Chat Completions upstream cannot serve).
fn config_yaml(bridge: &BridgeConfig) -> String {
    let model_list: Vec<Value> = bridge
        .models
        .iter()
        .map(|(agent, upstream)| {
            json!({
                "model_name": agent,
                "litellm_params": {
                    "model": format!("custom_openai/{upstream}"),
                    "api_base": bridge.upstream_url.as_str(),
                    "api_key": "os.environ/BRIDGE_UPSTREAM_API_KEY",
                },
            })
        })
        .collect();
    super::manifest(&json!({
        "model_list": model_list,
        "litellm_settings": {
            // Parameters an upstream does not take (Anthropic's thinking, say) are left out
            // rather than failing the request.
            "drop_params": true,
            "telemetry": false,
            // Count tokens with the bundled tokenizer: fetching one from Hugging Face would
            // wait on egress the bridge does not have.
            "disable_hf_tokenizer_download": true,
        },
        "general_settings": {
            "master_key": "os.environ/BRIDGE_MASTER_KEY",
        },
    }))
}

pub(crate) fn plan(ctx: &mut Ctx, bridge: &BridgeConfig) -> Bridge {
    let name = BRIDGE_SERVICE;
    let image = ctx.image(
        "LLM protocol bridge (LiteLLM proxy)",
        super::image_ref(
            &ctx.config.images,
            "ghcr.io",
            "berriai",
            "litellm",
            &bridge.version,
        ),
    );
    let config = config_yaml(bridge);
    let (tmp, tmp_mount) = tmp_volume("512Mi");
    let mut volumes = vec![
        json!({"name": "config", "configMap": {"name": CONFIG_MAP}}),
        tmp,
    ];
    let mut volume_mounts = vec![VolumeMount::read_only("config", CONFIG_DIR), tmp_mount];
    // LiteLLM reads `os.environ/NAME` references only from its environment, so these two come
    // in as variables from the Secret rather than as files. No other workload receives them.
    let secret_env = |key: &str| super::EnvVar::from_secret(key, &ctx.secret_name, key);
    let mut env = vec![
        secret_env("BRIDGE_UPSTREAM_API_KEY"),
        secret_env("BRIDGE_MASTER_KEY"),
        // The root file system is read-only: caches and temporary files go to /tmp.
        plain_env("HOME", "/tmp"),
        plain_env("XDG_CACHE_HOME", "/tmp/.cache"),
        // The admin UI and its assets are copied to a writable place at start-up (LiteLLM's
        // advice for read-only deployments); the packaged copy stays untouched.
        plain_env("LITELLM_UI_PATH", "/tmp/litellm/ui"),
        plain_env("LITELLM_ASSETS_PATH", "/tmp/litellm/assets"),
        // Use the model cost map shipped in the image instead of fetching it at start-up,
        // which egress does not allow.
        plain_env("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
        plain_env("LITELLM_LOG", "INFO"),
    ];
    ctx.outbound
        .attach(&mut env, &mut volumes, &mut volume_mounts);
    let secrets = ["BRIDGE_UPSTREAM_API_KEY", "BRIDGE_MASTER_KEY"];
    let sel = selector("llm-bridge", name);
    let pods = &bridge.pods;
    let annotations = ctx.scan_exceptions(
        &[image.as_str()],
        &[(
            "CKV_K8S_35",
            "LiteLLM reads its upstream and master keys only from environment variables (os.environ/NAME)",
        )],
    );
    let workload = Workload {
        name: name.into(),
        component: "llm-bridge",
        image,
        scale: pods.scale,
        labels: ctx.labels("llm-bridge", name),
        annotations,
        selector: sel.clone(),
        pod_annotations: ctx.checksums(Some(&super::checksum(&config)), &secrets, &[]),
        env,
        resources: pods.resources.clone(),
        volumes,
        volume_mounts,
        service_account: name.into(),
        availability: ctx.availability(&sel, pods.scale.replicas),
    };
    Bridge {
        workload,
        network_policies: super::network::bridge(ctx, bridge),
        config_map: CONFIG_MAP,
        config,
        port: BRIDGE_PORT,
    }
}

#[cfg(test)]
mod tests {
    /// `napgen init --with bridge` generates the master key (the platform's own secret) and
    /// leaves the upstream's URL, key and models to the operator.
    #[test]
    fn init_generates_the_master_key_only() {
        let request = crate::ops::init::Request {
            profile: "single-node".into(),
            with: vec!["bridge".into()],
            without: vec![],
            sets: vec![],
        };
        let mut random = |buf: &mut [u8]| {
            buf.fill(7);
            Ok(())
        };
        let g = crate::ops::init::generate(&request, &mut random).unwrap();
        assert!(g.secrets.contains(&"BRIDGE_MASTER_KEY"), "{:?}", g.secrets);
        assert!(!g.secrets.contains(&"BRIDGE_UPSTREAM_API_KEY"));
        for key in [
            "BRIDGE_UPSTREAM_URL",
            "BRIDGE_UPSTREAM_API_KEY",
            "BRIDGE_MODELS",
        ] {
            assert!(g.required.contains(&key), "{key}: {:?}", g.required);
        }
        assert!(!g.required.contains(&"OPENAI_API_KEY"), "{:?}", g.required);
    }
}
