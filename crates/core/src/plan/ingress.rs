//! The objects that route a public URL to its Service, one per public URL, by INGRESS_MODE:
//! `ingress` renders Ingress objects, `gateway` HTTPRoutes attached to the operator's Gateway,
//! `route` OpenShift Routes. Each serves the host (and path) of its `*_PUBLIC_URL`, the same
//! origin the OAuth wiring registers, so the three cannot drift apart.

use super::browser::Browser;
use super::sandbox::Sandbox;
use super::{Ctx, Map};
use crate::config::registry::NAPGEN_INGRESS_ANNOTATIONS;
use crate::config::types::{IngressMode, IssuerKind, Url};
use serde::Serialize;
use serde_json::{json, Value};

/// The port every platform Service serves HTTP on (named `http`).
const SERVICE_PORT: u16 = 80;

#[derive(Debug, Serialize)]
pub struct IngressRoute {
    pub name: String,
    pub host: String,
    pub path: String,
    pub service: String,
    /// Long request timeouts for the known controllers, cert-manager's issuer, then
    /// INGRESS_ANNOTATIONS.
    pub annotations: Map,
    /// `spec.tls` entries: the TLS Secret for https URLs when INGRESS_TLS_SECRET or
    /// CERT_MANAGER_ISSUER is set.
    pub tls: Option<Value>,
    pub labels: Map,
}

/// An HTTPRoute (gateway.networking.k8s.io/v1) attached to the operator's Gateway.
#[derive(Debug, Serialize)]
pub struct HttpRoute {
    pub name: String,
    pub labels: Map,
    /// The object's `spec`.
    pub spec: Value,
}

/// An OpenShift Route (route.openshift.io/v1), TLS terminated at the router (edge).
#[derive(Debug, Serialize)]
pub struct OpenShiftRoute {
    pub name: String,
    pub labels: Map,
    pub annotations: Map,
    pub spec: Value,
}

/// One public URL and the Service behind it.
struct Entry {
    name: &'static str,
    url: String,
    service: &'static str,
}

impl Entry {
    fn host_and_path(&self) -> (String, String) {
        host_and_path(&self.url)
    }

    fn https(&self) -> bool {
        self.url.starts_with("https://")
    }
}

/// The public URLs of the platform and its enabled modules, with their Services.
fn entries(ctx: &Ctx, sandbox: Option<&Sandbox>, browser: Option<&Browser>) -> Vec<Entry> {
    let platform_url = ctx
        .config
        .exposure
        .public_url
        .as_ref()
        .map_or("", Url::as_str);
    let mut wanted = vec![Entry {
        name: "nap",
        url: platform_url.to_string(),
        service: "nap-control-plane",
    }];
    if let Some(s) = sandbox {
        wanted.push(Entry {
            name: "nap-sandbox",
            url: s.origin.clone(),
            service: "nap-sandbox",
        });
    }
    if let Some(b) = browser {
        wanted.push(Entry {
            name: "browser-service",
            url: b.origin.clone(),
            service: "browser-service",
        });
    }
    wanted
}

/// Host and path of a validated http(s) URL (`https://a.example.com:8443/x` → `a.example.com`, `/x`).
fn host_and_path(url: &str) -> (String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    (
        host.to_string(),
        if path.is_empty() {
            "/".to_string()
        } else {
            path.to_string()
        },
    )
}

/// The annotation that names a cert-manager issuer of this kind.
pub fn issuer_annotation(kind: IssuerKind) -> &'static str {
    match kind {
        IssuerKind::ClusterIssuer => "cert-manager.io/cluster-issuer",
        IssuerKind::Issuer => "cert-manager.io/issuer",
    }
}

/// The controller annotations napgen sets on every Ingress: the controllers that read them hold
/// a streamed agent response or the browser's live view (a WebSocket) open for
/// ROUTE_TIMEOUT_SECONDS, where their defaults (60 s for ingress-nginx) would cut it, and Contour
/// upgrades WebSockets under `path`. Controllers ignore the others' keys.
fn controller_annotations(seconds: u32, path: &str) -> Map {
    let mut a = Map::with_capacity(NAPGEN_INGRESS_ANNOTATIONS.len());
    for (key, _) in NAPGEN_INGRESS_ANNOTATIONS {
        let value = match *key {
            "nginx.ingress.kubernetes.io/proxy-read-timeout"
            | "nginx.ingress.kubernetes.io/proxy-send-timeout" => seconds.to_string(),
            "haproxy.org/timeout-server" | "projectcontour.io/response-timeout" => {
                format!("{seconds}s")
            }
            "projectcontour.io/websocket-routes" => path.to_string(),
            // The issuer annotations are set from CERT_MANAGER_ISSUER only.
            _ => continue,
        };
        a.insert(*key, value);
    }
    a
}

/// `INGRESS_MODE=ingress`: one Ingress per public URL.
pub(crate) fn ingresses(
    ctx: &Ctx,
    sandbox: Option<&Sandbox>,
    browser: Option<&Browser>,
) -> Vec<IngressRoute> {
    let exposure = &ctx.config.exposure;
    if exposure.mode != IngressMode::Ingress {
        return Vec::new();
    }
    entries(ctx, sandbox, browser)
        .into_iter()
        .map(|entry| {
            let (host, path) = entry.host_and_path();
            let mut annotations = controller_annotations(exposure.route_timeout_seconds, &path);
            // cert-manager's ingress-shim issues one certificate per TLS entry, into its Secret.
            let secret = match &exposure.cert_manager {
                Some(issuer) => {
                    annotations.insert(issuer_annotation(issuer.kind), issuer.name.clone());
                    Some(format!("{}-tls", entry.name))
                }
                None => exposure.tls_secret.clone(),
            };
            // Validation refuses a key napgen sets, so these never replace one of the above.
            annotations.extend(exposure.ingress_annotations.iter().cloned());
            let tls = secret
                .filter(|_| entry.https())
                .map(|secret| json!([{"hosts": [&host], "secretName": secret}]));
            IngressRoute {
                name: entry.name.to_string(),
                host,
                path,
                service: entry.service.to_string(),
                annotations,
                tls,
                labels: ctx.labels("ingress", entry.name),
            }
        })
        .collect()
}

/// A Gateway API duration of whole seconds (`3600s`).
fn seconds(s: u32) -> String {
    format!("{s}s")
}

/// `INGRESS_MODE=gateway`: one HTTPRoute per public URL, attached to the operator's Gateway.
pub(crate) fn http_routes(
    ctx: &Ctx,
    sandbox: Option<&Sandbox>,
    browser: Option<&Browser>,
) -> Vec<HttpRoute> {
    let exposure = &ctx.config.exposure;
    let Some(gateway) = exposure.gateway.as_ref() else {
        return Vec::new();
    };
    let timeout = seconds(exposure.route_timeout_seconds);
    let mut parent = json!({
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": gateway.name,
        "namespace": gateway.namespace,
    });
    if let Some(section) = &gateway.section {
        parent["sectionName"] = json!(section);
    }
    entries(ctx, sandbox, browser)
        .into_iter()
        .map(|entry| {
            let (host, path) = entry.host_and_path();
            HttpRoute {
                name: entry.name.to_string(),
                labels: ctx.labels("ingress", entry.name),
                spec: json!({
                    "parentRefs": [&parent],
                    "hostnames": [host],
                    "rules": [{
                        "matches": [{"path": {"type": "PathPrefix", "value": path}}],
                        "backendRefs": [{"name": entry.service, "port": SERVICE_PORT}],
                        // The whole request, and the one to the backend: a streamed response
                        // lasts as long as the agent writes.
                        "timeouts": {"request": &timeout, "backendRequest": &timeout},
                    }],
                }),
            }
        })
        .collect()
}

/// `INGRESS_MODE=route`: one OpenShift Route per public URL, TLS terminated at the router with
/// its default certificate, plain HTTP redirected to HTTPS.
pub(crate) fn openshift_routes(
    ctx: &Ctx,
    sandbox: Option<&Sandbox>,
    browser: Option<&Browser>,
) -> Vec<OpenShiftRoute> {
    let exposure = &ctx.config.exposure;
    if exposure.mode != IngressMode::Route {
        return Vec::new();
    }
    let timeout = seconds(exposure.route_timeout_seconds);
    entries(ctx, sandbox, browser)
        .into_iter()
        .map(|entry| {
            let (host, path) = entry.host_and_path();
            let mut annotations = Map::with_capacity(2);
            // The router's server timeout (30 s by default) and, for the WebSocket of the live
            // view, its tunnel timeout.
            annotations.insert("haproxy.router.openshift.io/timeout", timeout.clone());
            annotations.insert(
                "haproxy.router.openshift.io/timeout-tunnel",
                timeout.clone(),
            );
            let mut spec = json!({
                "host": host,
                "to": {"kind": "Service", "name": entry.service, "weight": 100},
                "port": {"targetPort": "http"},
                "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"},
                "wildcardPolicy": "None",
            });
            if path != "/" {
                spec["path"] = json!(path);
            }
            OpenShiftRoute {
                name: entry.name.to_string(),
                labels: ctx.labels("ingress", entry.name),
                annotations,
                spec,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        assert_eq!(
            host_and_path("https://nap.example.com"),
            ("nap.example.com".into(), "/".into())
        );
        assert_eq!(
            host_and_path("https://nap.example.com:8443/base"),
            ("nap.example.com".into(), "/base".into())
        );
    }

    #[test]
    fn napgen_sets_a_value_for_every_controller_annotation_it_owns() {
        let set = controller_annotations(3600, "/");
        for (key, _) in NAPGEN_INGRESS_ANNOTATIONS {
            assert_eq!(
                set.get(key).is_some(),
                !key.starts_with("cert-manager.io/"),
                "{key}"
            );
        }
        assert_eq!(
            set.get("nginx.ingress.kubernetes.io/proxy-read-timeout"),
            Some("3600")
        );
        assert_eq!(set.get("projectcontour.io/response-timeout"), Some("3600s"));
        assert_eq!(set.get("projectcontour.io/websocket-routes"), Some("/"));
    }
}
