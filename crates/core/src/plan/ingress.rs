//! `INGRESS_MODE=ingress`: one Ingress per public URL, routing to its Service.

use super::browser::Browser;
use super::sandbox::Sandbox;
use super::{Ctx, Map};
use crate::config::types::{IngressMode, Url};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Serialize)]
pub struct IngressRoute {
    pub name: String,
    pub host: String,
    pub path: String,
    pub service: String,
    /// `spec.tls` entries: the TLS Secret for https URLs when INGRESS_TLS_SECRET is set.
    pub tls: Option<Value>,
    pub labels: Map,
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

pub(crate) fn routes(
    ctx: &Ctx,
    sandbox: Option<&Sandbox>,
    browser: Option<&Browser>,
) -> Vec<IngressRoute> {
    let exposure = &ctx.config.exposure;
    if exposure.mode != IngressMode::Ingress {
        return Vec::new();
    }
    let platform_url = exposure.public_url.as_ref().map_or("", Url::as_str);
    let mut wanted = vec![("nap", platform_url.to_string(), "nap-control-plane")];
    if let Some(s) = sandbox {
        wanted.push(("nap-sandbox", s.origin.clone(), "nap-sandbox"));
    }
    if let Some(b) = browser {
        wanted.push(("browser-service", b.origin.clone(), "browser-service"));
    }
    wanted
        .into_iter()
        .map(|(name, url, service)| {
            let (host, path) = host_and_path(&url);
            let tls = match &exposure.tls_secret {
                Some(secret) if url.starts_with("https://") => {
                    Some(json!([{"hosts": [&host], "secretName": secret}]))
                }
                _ => None,
            };
            IngressRoute {
                name: name.to_string(),
                host,
                path,
                service: service.to_string(),
                tls,
                labels: ctx.labels("ingress", name),
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
}
