//! What must exist before the bundle is applied, as commands to run: operators and drivers the
//! configuration relies on, and the objects the operator provides (Secrets, ConfigMaps). napgen
//! never installs them itself.

use super::backup::{BARMAN_PLUGIN_VERSION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY};
use super::Ctx;
use crate::registry::Module;
use serde::Serialize;

/// One thing to install or create before applying, with why this configuration needs it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Prerequisite {
    pub name: String,
    pub why: String,
    /// Shell commands, in order; `...` marks a value the operator fills in.
    pub commands: Vec<String>,
}

fn prereq(name: &str, why: impl Into<String>, commands: &[String]) -> Prerequisite {
    Prerequisite {
        name: name.to_string(),
        why: why.into(),
        commands: commands.to_vec(),
    }
}

/// `kubectl create secret generic` with a placeholder per key.
fn create_secret(namespace: &str, name: &str, keys: &[&str]) -> String {
    let literals: Vec<String> = keys
        .iter()
        .map(|k| format!("--from-literal={k}=..."))
        .collect();
    format!(
        "kubectl -n {namespace} create secret generic {name} {}",
        literals.join(" ")
    )
}

pub(crate) fn prerequisites(ctx: &Ctx, coturn: Option<(&str, &str)>) -> Vec<Prerequisite> {
    let s = ctx.settings;
    let ns = &ctx.namespace;
    let cnpg_ns = s.str("CNPG_OPERATOR_NAMESPACE");
    let mut out = vec![prereq(
        "CloudNativePG operator",
        "runs the PostgreSQL Cluster nap-postgres (postgresql.cnpg.io/v1)",
        &[
            "helm repo add cnpg https://cloudnative-pg.github.io/charts".into(),
            format!(
                "helm upgrade --install cnpg cnpg/cloudnative-pg --namespace {cnpg_ns} --create-namespace --wait"
            ),
        ],
    )];
    if Module::Backup.enabled(s) {
        out.push(prereq(
            "cert-manager",
            "the barman-cloud plugin's TLS certificates are issued by cert-manager",
            &[
                "helm repo add jetstack https://charts.jetstack.io".into(),
                "helm upgrade --install cert-manager jetstack/cert-manager --namespace cert-manager --create-namespace --set crds.enabled=true --wait".into(),
            ],
        ));
        let mut why = String::from(
            "BACKUP_ENABLED: PostgreSQL archives WAL and takes base backups through it (ObjectStore barmancloud.cnpg.io/v1)",
        );
        if cnpg_ns != "cnpg-system" {
            why.push_str(&format!("; the manifest installs into cnpg-system, but the plugin must run in the operator's namespace {cnpg_ns}: change the manifest's namespace before applying it"));
        }
        out.push(prereq(
            "CloudNativePG barman-cloud plugin",
            why,
            &[
                format!("kubectl apply -f https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/{BARMAN_PLUGIN_VERSION}/manifest.yaml"),
                format!("kubectl -n {cnpg_ns} rollout status deployment barman-cloud"),
            ],
        ));
        out.push(prereq(
            "backup credentials Secret",
            "the ObjectStore reads the S3 access key from it (BACKUP_S3_CREDENTIALS_SECRET)",
            &[create_secret(
                ns,
                s.str("BACKUP_S3_CREDENTIALS_SECRET"),
                &[S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY],
            )],
        ));
    }
    if s.is_set("NFS_SERVER") {
        out.push(prereq(
            "csi-driver-nfs",
            format!(
                "NFS_SERVER: StorageClass {} uses its provisioner nfs.csi.k8s.io",
                crate::registry::nfs_storage_class(s)
            ),
            &[
                "helm repo add csi-driver-nfs https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts".into(),
                "helm upgrade --install csi-driver-nfs csi-driver-nfs/csi-driver-nfs --namespace kube-system --wait".into(),
            ],
        ));
    }
    if Module::Monitoring.enabled(s) {
        out.push(prereq(
            "Prometheus operator",
            "MONITORING_ENABLED: the ServiceMonitor and PodMonitor (monitoring.coreos.com/v1) need its CRDs; napgen does not install it",
            &["kubectl get crd servicemonitors.monitoring.coreos.com podmonitors.monitoring.coreos.com".into()],
        ));
    }
    if Module::Sandbox.enabled(s) {
        out.push(prereq(
            "OpenSandbox",
            "SANDBOX_ENABLED: nap-sandbox runs code through OpenSandbox at OPENSANDBOX_URL",
            &[
                "git clone https://github.com/alibaba/OpenSandbox && cd OpenSandbox/kubernetes/charts".into(),
                "helm dependency build opensandbox".into(),
                format!("helm upgrade --install opensandbox ./opensandbox --namespace {ns} --create-namespace -f opensandbox-values.yaml"),
            ],
        ));
    }
    if !ctx.secrets_rendered {
        let why = match s.opt("EXISTING_SECRET") {
            Some(_) => "EXISTING_SECRET: the platform's secrets are managed outside the bundle",
            None => "values.env holds no secrets, so the bundle references the Secret without containing it",
        };
        let mut commands = vec![create_secret(ns, &ctx.secret_name, &ctx.secret_keys)];
        if let Some((turn_ns, turn_secret)) = coturn {
            commands.push(create_secret(turn_ns, turn_secret, &["TURN_AUTH_SECRET"]));
        }
        out.push(prereq("platform Secret", why, &commands));
    }
    if let Some(name) = s.opt("CA_BUNDLE_CONFIG_MAP") {
        out.push(prereq(
            "CA bundle ConfigMap",
            "CA_BUNDLE_CONFIG_MAP: every pod mounts its key ca.crt as the trusted CA bundle",
            &[format!(
                "kubectl -n {ns} create configmap {name} --from-file=ca.crt=ca-bundle.pem"
            )],
        ));
    }
    if let Some(name) = s.opt("PRIORITY_CLASS_NAME") {
        out.push(prereq(
            "PriorityClass",
            format!("PRIORITY_CLASS_NAME: the platform's pods do not start unless PriorityClass {name} exists"),
            &[format!("kubectl create priorityclass {name} --value=1000000 --description=\"NAP platform\"")],
        ));
    }
    for name in s.list("IMAGE_PULL_SECRETS") {
        out.push(prereq(
            "image pull Secret",
            format!("IMAGE_PULL_SECRETS: every pod pulls its images with {name}"),
            &[format!("kubectl -n {ns} create secret docker-registry {name} --docker-server=... --docker-username=... --docker-password=...")],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Origin;
    use crate::load::Entry;

    fn prerequisites(pairs: &[(&str, &str)]) -> Vec<super::Prerequisite> {
        let entries: Vec<Entry> = pairs
            .iter()
            .enumerate()
            .map(|(i, (k, v))| Entry {
                key: k.to_string(),
                value: v.to_string(),
                origin: Origin::file("values.env", i + 1),
            })
            .collect();
        let settings = crate::validate::validate(&entries).settings.unwrap();
        crate::plan::plan(&settings).prerequisites
    }

    fn names(p: &[super::Prerequisite]) -> Vec<&str> {
        p.iter().map(|p| p.name.as_str()).collect()
    }

    #[test]
    fn by_configuration() {
        let p = prerequisites(&[]);
        assert_eq!(names(&p), ["CloudNativePG operator", "platform Secret"]);
        assert_eq!(
            p[1].commands,
            ["kubectl -n nap create secret generic nap-secrets --from-literal=TOS_SECRET_KEY=... --from-literal=ADMIN_PASSWORD=... --from-literal=OPENAI_API_KEY=..."]
        );

        let p = prerequisites(&[
            ("BACKUP_ENABLED", "true"),
            ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
            ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
            ("NFS_SERVER", "nfs.example.com"),
            ("NFS_SHARE", "/srv/nap"),
            ("EXISTING_SECRET", "nap-managed"),
            ("IMAGE_PULL_SECRETS", "mirror-pull"),
            ("PRIORITY_CLASS_NAME", "nap-platform"),
        ]);
        assert_eq!(
            names(&p),
            [
                "CloudNativePG operator",
                "cert-manager",
                "CloudNativePG barman-cloud plugin",
                "backup credentials Secret",
                "csi-driver-nfs",
                "platform Secret",
                "PriorityClass",
                "image pull Secret",
            ]
        );
        assert_eq!(
            p[6].commands,
            ["kubectl create priorityclass nap-platform --value=1000000 --description=\"NAP platform\""]
        );
        assert_eq!(p[2].commands[0], "kubectl apply -f https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v0.14.0/manifest.yaml");
        assert_eq!(
            p[3].commands,
            ["kubectl -n nap create secret generic nap-backup-s3 --from-literal=ACCESS_KEY_ID=... --from-literal=ACCESS_SECRET_KEY=..."]
        );
        assert_eq!(
            p[4].commands,
            [
                "helm repo add csi-driver-nfs https://raw.githubusercontent.com/kubernetes-csi/csi-driver-nfs/master/charts",
                "helm upgrade --install csi-driver-nfs csi-driver-nfs/csi-driver-nfs --namespace kube-system --wait",
            ]
        );
        assert!(p[5].commands[0].contains("create secret generic nap-managed"));
        assert!(p[5].why.starts_with("EXISTING_SECRET"));

        // With every secret in values.env the Secret is in the bundle: nothing to create.
        let secret = "ab".repeat(32);
        let p = prerequisites(&[
            ("TOS_SECRET_KEY", &secret),
            ("ADMIN_PASSWORD", &secret),
            ("OPENAI_API_KEY", &secret),
            ("CNPG_OPERATOR_NAMESPACE", "postgres-operator"),
            ("BACKUP_ENABLED", "true"),
            ("BACKUP_DESTINATION_PATH", "s3://nap-backups/prod"),
            ("BACKUP_S3_CREDENTIALS_SECRET", "nap-backup-s3"),
        ]);
        assert!(!names(&p).contains(&"platform Secret"));
        assert!(p[2]
            .why
            .contains("must run in the operator's namespace postgres-operator"));
    }
}
