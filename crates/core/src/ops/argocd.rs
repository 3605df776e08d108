//! `napgen argocd-plugin`: an Argo CD Config Management Plugin that renders values.env files, so
//! that a Git repository holding only values.env files deploys through Argo CD.
//!
//! Argo CD runs such a plugin in a sidecar of its repo-server: the sidecar's entrypoint is Argo
//! CD's own `argocd-cmp-server` (copied by the repo-server's init container into the shared
//! `var-files` volume, mounted at `/var/run/argocd`), which reads the plugin definition at
//! `/home/argocd/cmp-server/config/plugin.yaml`, listens on a socket in the shared `plugins`
//! volume and runs the plugin's `generate` command in the Application's source folder. The
//! sidecar must run as user 999 and should not share the repo-server's `/tmp`. This module
//! writes the three pieces:
//!
//! * [`plugin`]: the `ConfigManagementPlugin` (`plugin.yaml`; not a Kubernetes object, only
//!   shaped like one). It matches a source folder holding `values.env` and runs `napgen render
//!   --for argocd` there; the Application's `values` parameter (an array of files relative to
//!   its folder, later ones override earlier ones) replaces `values.env`;
//! * [`config_map`]: the ConfigMap holding it, mounted into the sidecar;
//! * [`sidecar_patch`]: the strategic-merge patch of Deployment `argocd-repo-server` that adds
//!   the sidecar (the image holding napgen is the operator's) and its volumes.

use serde_json::{json, Value};

/// The plugin's name (`spec.source.plugin.name` of an Application that names it).
pub const PLUGIN_NAME: &str = "napgen";
/// The ConfigMap holding `plugin.yaml`, and the sidecar's volume of it.
pub const CONFIG_MAP: &str = "napgen-cmp-plugin";
/// The sidecar's own `/tmp` (an emptyDir).
pub const TMP_VOLUME: &str = "napgen-cmp-tmp";
/// The sidecar container's name.
pub const CONTAINER: &str = "napgen";
/// Argo CD's repo-server Deployment, which the patch extends.
pub const REPO_SERVER: &str = "argocd-repo-server";
/// Where the sidecar finds its definition.
pub const PLUGIN_CONFIG_PATH: &str = "/home/argocd/cmp-server/config/plugin.yaml";
/// The volumes of `argocd-repo-server` the sidecar shares: Argo CD's binaries (with
/// `argocd-cmp-server`) and the plugins' sockets.
pub const SHARED_VOLUMES: [(&str, &str); 2] = [
    ("var-files", "/var/run/argocd"),
    ("plugins", "/home/argocd/cmp-server/plugins"),
];
/// The user Argo CD requires the sidecar to run as.
pub const ARGOCD_USER: u32 = 999;
/// The Application parameter naming the values files.
pub const VALUES_PARAMETER: &str = "values";

/// The `generate` script: `napgen render --for argocd` with `-f` for each file of the
/// Application's `values` parameter (Argo CD gives an array parameter to the plugin as
/// `PARAM_VALUES_0`, `PARAM_VALUES_1`, ...), or `-f values.env` when it has none, so a missing
/// values.env is an error rather than a render of the embedded defaults. Values are never
/// evaluated by the shell: only the variable names are built, from a counter.
pub const GENERATE_SCRIPT: &str = r#"set -eu
set --
i=0
while eval "test \"\${PARAM_VALUES_$i+set}\" = set"; do
  eval "set -- \"\$@\" -f \"\$PARAM_VALUES_$i\""
  i=$((i + 1))
done
if [ "$i" -eq 0 ]; then set -- -f values.env; fi
exec napgen render --for argocd "$@"
"#;

/// The plugin definition, `plugin.yaml`.
pub fn plugin() -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ConfigManagementPlugin",
        "metadata": {"name": PLUGIN_NAME},
        "spec": {
            "discover": {"fileName": "./values.env"},
            "generate": {
                "command": ["sh", "-c"],
                "args": [GENERATE_SCRIPT],
            },
            "parameters": {
                "static": [{
                    "name": VALUES_PARAMETER,
                    "title": "Values files",
                    "tooltip": "values files relative to the application's path, later ones override earlier ones (default: values.env)",
                    "collectionType": "array",
                    "array": ["values.env"],
                }],
            },
        },
    })
}

/// The ConfigMap in Argo CD's namespace holding [`plugin`] as `plugin.yaml`.
pub fn config_map(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": CONFIG_MAP,
            "namespace": namespace,
            "labels": {
                "app.kubernetes.io/name": CONFIG_MAP,
                "app.kubernetes.io/part-of": "argocd",
                "app.kubernetes.io/managed-by": "napgen",
            },
        },
        "data": {"plugin.yaml": crate::output::yaml::to_yaml(&plugin())},
    })
}

/// The strategic-merge patch of `argocd-repo-server` (in `namespace`) adding the sidecar that
/// runs the plugin from `image`, which must hold `sh` and `napgen` on its PATH.
pub fn sidecar_patch(namespace: &str, image: &str) -> Value {
    let mut mounts: Vec<Value> = SHARED_VOLUMES
        .iter()
        .map(|(name, path)| json!({"name": name, "mountPath": path}))
        .collect();
    mounts.push(
        json!({"name": CONFIG_MAP, "mountPath": PLUGIN_CONFIG_PATH, "subPath": "plugin.yaml"}),
    );
    // Not the repo-server's /tmp: separate file systems limit what a path traversal reaches.
    mounts.push(json!({"name": TMP_VOLUME, "mountPath": "/tmp"}));
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": REPO_SERVER, "namespace": namespace},
        "spec": {"template": {"spec": {
            "containers": [{
                "name": CONTAINER,
                "image": image,
                "command": ["/var/run/argocd/argocd-cmp-server"],
                "securityContext": {
                    "runAsNonRoot": true,
                    "runAsUser": ARGOCD_USER,
                    "allowPrivilegeEscalation": false,
                    "readOnlyRootFilesystem": true,
                    "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                },
                "resources": {
                    "requests": {"cpu": "10m", "memory": "64Mi"},
                    "limits": {"cpu": "500m", "memory": "256Mi"},
                },
                "volumeMounts": mounts,
            }],
            "volumes": [
                {"name": CONFIG_MAP, "configMap": {"name": CONFIG_MAP}},
                {"name": TMP_VOLUME, "emptyDir": {}},
            ],
        }}},
    })
}

/// Why `image` is not an image reference a pod can name, if it is not.
pub fn image_problem(image: &str) -> Option<String> {
    if image.is_empty() {
        return Some("the image reference is empty".into());
    }
    if let Some(c) = image
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Some(format!(
            "an image reference has no {} ({c:?})",
            if c.is_ascii() {
                "spaces or control characters"
            } else {
                "characters outside ASCII"
            }
        ));
    }
    let ok = image
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"./:@_-".contains(&b));
    let first = image.as_bytes()[0];
    if !ok || !first.is_ascii_alphanumeric() {
        return Some(
            "an image reference is [registry/]repository[:tag][@sha256:digest]: letters, digits and . / : @ _ - only, starting with a letter or digit"
                .into(),
        );
    }
    None
}

/// Why `namespace` is not a Kubernetes namespace name, if it is not.
pub fn namespace_problem(namespace: &str) -> Option<String> {
    let ok = !namespace.is_empty()
        && namespace.len() <= 63
        && namespace
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !namespace.starts_with('-')
        && !namespace.ends_with('-');
    (!ok).then(|| {
        "a namespace name is 1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for good in [
            "napgen",
            "registry.example.com:5000/tools/napgen:0.1.0",
            "ghcr.io/x/napgen@sha256:0123abcd",
        ] {
            assert_eq!(image_problem(good), None, "{good}");
        }
        for bad in ["", "nap gen", "-x", "napgen\n", "napgén", "a;b"] {
            assert!(image_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn namespaces() {
        assert_eq!(namespace_problem("argocd"), None);
        for bad in ["", "Argo", "-a", "a-", &"a".repeat(64), "a.b"] {
            assert!(namespace_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn patch_mounts_only_its_own_volumes_and_the_repo_servers_shared_ones() {
        let patch = sidecar_patch("argocd", "napgen:1");
        let spec = &patch["spec"]["template"]["spec"];
        let own: Vec<&str> = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        for mount in spec["containers"][0]["volumeMounts"].as_array().unwrap() {
            let name = mount["name"].as_str().unwrap();
            assert!(
                own.contains(&name) || SHARED_VOLUMES.iter().any(|(n, _)| *n == name),
                "{name}"
            );
        }
    }
}
