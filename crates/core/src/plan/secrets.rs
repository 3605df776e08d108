//! The Secrets the install's pods read: each one's name, namespace and keys, and who makes it.
//!
//! This is the one place that names them. The chart's NOTES and README, `prereqs` and the
//! validation messages read the names from here, so a secret mode (values.env holds the secrets,
//! the operator creates them, or `EXISTING_SECRET` names a Secret managed elsewhere) cannot change
//! the objects without changing the advice: the chart once told operators with EXISTING_SECRET
//! to create `nap-secrets`, which no pod reads.

use super::{backup, Plan};
use serde::Serialize;

pub use super::browser::COTURN_SECRET_KEY;

/// The default name of the Secret that holds the platform's secrets.
pub const SECRET_NAME: &str = "nap-secrets";
/// The default name of coturn's Secret, in the TURN relay's own namespace.
pub const COTURN_SECRET_NAME: &str = "coturn-auth";
/// The Secret OpenSandbox's server reads its API key from, in its own namespace. napgen renders
/// neither: `napgen prereqs --write-values --with-secret` writes it with OpenSandbox's values.
pub const SANDBOX_KEY_SECRET: &str = "opensandbox-api-key";
/// Its key, holding the value of OPENSANDBOX_API_KEY (which nap-sandbox reads from the platform
/// Secret and sends).
pub const SANDBOX_KEY_SECRET_KEY: &str = "api-key";
/// The key of the Secret CloudNativePG generates for the application user that the platform reads.
pub const DATABASE_URI_KEY: &str = "uri";

/// The platform Secret's name: `existing` (EXISTING_SECRET) when the operator manages it, else
/// the default.
pub fn secret_name(existing: Option<&str>) -> &str {
    existing.unwrap_or(SECRET_NAME)
}

/// coturn's Secret (in the TURN namespace): EXISTING_SECRET there too when it is set.
pub fn coturn_secret_name(existing: Option<&str>) -> &str {
    existing.unwrap_or(COTURN_SECRET_NAME)
}

/// The namespace the TURN relay (coturn, browser module) runs in: `<namespace>-turn`. It is its
/// own because coturn needs the host network, which the platform's namespace does not allow.
pub fn turn_namespace(namespace: &str) -> String {
    format!("{namespace}-turn")
}

/// Who makes a Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// napgen renders it from values.env: the bundle and the chart contain it.
    Napgen,
    /// The operator creates it before the pods can start.
    Operator,
    /// The CloudNativePG operator generates it for the database cluster.
    CloudNativePg,
    /// cert-manager issues it for an Ingress that names its issuer (CERT_MANAGER_ISSUER).
    CertManager,
}

/// What a Secret holds, which decides the `kubectl create secret` form that makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretType {
    Generic,
    /// An Ingress's certificate (`kubernetes.io/tls`).
    Tls,
    /// Registry credentials for `imagePullSecrets`.
    DockerRegistry,
}

/// One Secret an object of the install reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Secret {
    pub namespace: String,
    pub name: String,
    /// The keys read from it, in the order the platform documents them.
    pub keys: Vec<String>,
    pub kind: SecretType,
    pub provider: Provider,
}

impl Plan {
    /// Every Secret the install's objects read, in this order: the platform Secret, coturn's,
    /// the database's, the Ingresses' certificate, the backup's S3 credentials, then the
    /// registry credentials of each namespace that runs pods. A Secret named twice in one
    /// namespace is one entry with the keys of both.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut out: Vec<Secret> = Vec::new();
        let mut add = |namespace: &str, name: &str, keys: &[&str], kind, provider| {
            let keys = keys.iter().map(|k| k.to_string());
            match out
                .iter_mut()
                .find(|s| s.namespace == namespace && s.name == name)
            {
                Some(known) => {
                    for key in keys {
                        if !known.keys.contains(&key) {
                            known.keys.push(key);
                        }
                    }
                }
                None => out.push(Secret {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                    keys: keys.collect(),
                    kind,
                    provider,
                }),
            }
        };
        let made_by = |rendered: bool| {
            if rendered {
                Provider::Napgen
            } else {
                Provider::Operator
            }
        };
        use SecretType::{DockerRegistry, Generic, Tls};
        let ns = self.namespace.as_str();
        let secret = &self.secret;
        if !secret.keys.is_empty() {
            add(
                ns,
                &secret.name,
                &secret.keys,
                Generic,
                made_by(secret.rendered),
            );
        }
        let mut pod_namespaces = vec![ns];
        if let Some(browser) = &self.browser {
            let coturn = &browser.coturn;
            let provider = made_by(coturn.secret_rendered);
            add(
                &coturn.namespace,
                &coturn.secret_name,
                &[COTURN_SECRET_KEY],
                Generic,
                provider,
            );
            pod_namespaces.push(&coturn.namespace);
        }
        let connection = &self.connection;
        add(
            ns,
            &connection.secret,
            &[DATABASE_URI_KEY],
            Generic,
            connection.provider,
        );
        let certificates = if self.tls_issued_by_cert_manager {
            Provider::CertManager
        } else {
            Provider::Operator
        };
        for route in &self.ingresses {
            for tls in names(&route.tls, "secretName") {
                add(ns, &tls, &["tls.crt", "tls.key"], Tls, certificates);
            }
        }
        if let Some(backup) = &self.backup {
            let keys = [backup::S3_ACCESS_KEY_ID, backup::S3_SECRET_ACCESS_KEY];
            add(
                ns,
                &backup.credentials_secret,
                &keys,
                Generic,
                Provider::Operator,
            );
        }
        let pull = names(&self.image_pull_secrets, "name");
        for namespace in pod_namespaces {
            for name in &pull {
                add(
                    namespace,
                    name,
                    &[".dockerconfigjson"],
                    DockerRegistry,
                    Provider::Operator,
                );
            }
        }
        out
    }
}

/// The `field` of each entry of a list of references (`imagePullSecrets`, an Ingress's `tls`).
fn names(list: &impl Serialize, field: &str) -> Vec<String> {
    let value = serde_json::to_value(list).expect("plan values serialise");
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry[field].as_str().map(str::to_string))
        .collect()
}

/// The Secrets the operator creates before the pods can start, in [`secrets`]' order.
pub fn to_create(secrets: &[Secret]) -> impl Iterator<Item = &Secret> {
    secrets.iter().filter(|s| s.provider == Provider::Operator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::testing::run;

    fn secrets_of(pairs: &[(&str, &str)]) -> Vec<Secret> {
        let config = run(pairs).config.expect("valid");
        crate::plan::plan(&config).secrets()
    }

    fn named(secrets: &[Secret]) -> Vec<String> {
        secrets
            .iter()
            .map(|s| format!("{}/{} {:?}", s.namespace, s.name, s.provider))
            .collect()
    }

    #[test]
    fn existing_secret_names_the_platform_and_coturn_secrets() {
        let secrets = secrets_of(&[
            ("TOS_HOST", "192.0.2.10"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "198.51.100.7"),
            ("EXISTING_SECRET", "nap-secrets-managed"),
        ]);
        assert_eq!(
            named(&secrets),
            [
                "nap/nap-secrets-managed Operator",
                "nap-turn/nap-secrets-managed Operator",
                "nap/nap-postgres-app CloudNativePg",
            ]
        );
        assert_eq!(secrets[1].keys, ["TURN_AUTH_SECRET"]);
        assert!(secrets[0].keys.contains(&"BROWSER_JWT_SECRET".to_string()));
    }

    #[test]
    fn without_secrets_the_operator_creates_the_default_names() {
        let secrets = secrets_of(&[
            ("TOS_HOST", "192.0.2.10"),
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "198.51.100.7"),
            ("IMAGE_PULL_SECRETS", "pull"),
        ]);
        assert_eq!(
            named(&secrets),
            [
                "nap/nap-secrets Operator",
                "nap-turn/coturn-auth Operator",
                "nap/nap-postgres-app CloudNativePg",
                "nap/pull Operator",
                "nap-turn/pull Operator",
            ]
        );
        assert_eq!(secrets[3].kind, SecretType::DockerRegistry);
        assert_eq!(to_create(&secrets).count(), 4);
    }
}
