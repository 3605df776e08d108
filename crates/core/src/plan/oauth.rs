//! OAuth clients of the optional services. The redirect URI a service registers and the callback
//! it computes for itself both come from [`public_origin`], so they cannot drift apart (the
//! seeds' `invalid_redirect_uri` failure).

use crate::config::registry::Module;
use crate::config::types::{Port, Url};
use crate::config::Config;
use serde::Serialize;
use serde_json::json;

/// The path both the service callback and the registered OAuth redirect URI end with.
pub const OAUTH_CALLBACK_PATH: &str = "/api/auth/callback";

/// The public origin of a service: its `*_PUBLIC_URL` when set, else `http://TOS_HOST:<node port>`.
pub fn public_origin(public_url: Option<&str>, host: &str, node_port: Port) -> String {
    match public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_string()
            };
            format!("http://{host}:{node_port}")
        }
    }
}

/// The origin plus the callback path.
pub fn redirect_uri(public_url: Option<&str>, host: &str, node_port: Port) -> String {
    format!(
        "{}{OAUTH_CALLBACK_PATH}",
        public_origin(public_url, host, node_port)
    )
}

/// A PKCE public client (no secret) the seed Job registers with the control plane.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: &'static str,
    pub origin: String,
    pub redirect_uri: String,
}

/// The modules whose service signs users in: module, OAuth client id, public URL key, NodePort
/// key, in the order the seed Job registers them.
pub const SIGN_IN_SERVICES: [(Module, &str, &str, &str); 2] = [
    (
        Module::Sandbox,
        "sandbox-service",
        "SANDBOX_PUBLIC_URL",
        "SANDBOX_NODE_PORT",
    ),
    (
        Module::Browser,
        "browser-service",
        "BROWSER_PUBLIC_URL",
        "BROWSER_NODE_PORT",
    ),
];

/// Where a service that signs users in is reached: its public URL when set, and its NodePort.
type Reached<'a> = (Option<&'a Url>, Port);

/// The clients of the enabled modules, in the order of [`SIGN_IN_SERVICES`].
pub fn clients(config: &Config) -> Vec<OAuthClient> {
    let sign_in: [(&'static str, Option<Reached>); 2] = [
        (
            SIGN_IN_SERVICES[0].1,
            config
                .sandbox
                .as_ref()
                .map(|s| (s.public_url.as_ref(), s.node_port)),
        ),
        (
            SIGN_IN_SERVICES[1].1,
            config
                .browser
                .as_ref()
                .map(|b| (b.public_url.as_ref(), b.node_port)),
        ),
    ];
    let host = config.exposure.host.as_str();
    sign_in
        .into_iter()
        .filter_map(|(client_id, on)| {
            let (public_url, node_port) = on?;
            let public_url = public_url.map(Url::as_str);
            Some(OAuthClient {
                client_id,
                origin: public_origin(public_url, host, node_port),
                redirect_uri: redirect_uri(public_url, host, node_port),
            })
        })
        .collect()
}

/// The client list as the seed Job reads it (`NAP_OAUTH_CLIENTS`).
pub fn registration_json(clients: &[OAuthClient]) -> String {
    let list: Vec<_> = clients
        .iter()
        .map(|c| json!({"client_id": c.client_id, "redirect_uris": [&c.redirect_uri], "public": true, "pkce": "S256"}))
        .collect();
    serde_json::to_string(&list).expect("client list serialises")
}

/// The env of a service that signs users in with `client`: where the platform is, its own
/// public origin (as `public_url_var`), and the client id and redirect URI it registers.
pub(crate) fn client_env(
    ctx: &super::Ctx,
    platform_url: &str,
    client: &OAuthClient,
    public_url_var: &'static str,
) -> Vec<super::EnvVar> {
    use super::plain_env;
    vec![
        plain_env("NAP_PUBLIC_URL", platform_url.to_owned()),
        plain_env(
            "NAP_CONTROL_PLANE_URL",
            ctx.service_url("nap-control-plane"),
        ),
        plain_env(public_url_var, client.origin.clone()),
        plain_env("OAUTH_CLIENT_ID", client.client_id),
        plain_env("OAUTH_REDIRECT_URI", client.redirect_uri.clone()),
    ]
}

/// The client registered for `client_id`. Callers look up a client the same `clients` call made.
pub(crate) fn client<'a>(clients: &'a [OAuthClient], client_id: &str) -> &'a OAuthClient {
    clients
        .iter()
        .find(|c| c.client_id == client_id)
        .expect("client of an enabled module")
}
