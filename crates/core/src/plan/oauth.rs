//! OAuth clients of the optional services. The redirect URI a service registers and the callback
//! it computes for itself both come from [`public_origin`], so they cannot drift apart (the
//! seeds' `invalid_redirect_uri` failure).

use crate::config::registry::Module;
use crate::config::settings::Settings;
use crate::data::{data, into_data, Data};
use serde::Serialize;

/// The path both the service callback and the registered OAuth redirect URI end with.
pub const OAUTH_CALLBACK_PATH: &str = "/api/auth/callback";

/// The public origin of a service: its `*_PUBLIC_URL` when set, else `http://TOS_HOST:<node port>`.
pub fn public_origin(settings: &Settings, public_url_key: &str, node_port_key: &str) -> String {
    match settings.opt(public_url_key) {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            let host = settings.str("TOS_HOST");
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.to_string()
            };
            format!("http://{host}:{}", settings.int(node_port_key))
        }
    }
}

/// The origin plus the callback path.
pub fn redirect_uri(settings: &Settings, public_url_key: &str, node_port_key: &str) -> String {
    format!(
        "{}{OAUTH_CALLBACK_PATH}",
        public_origin(settings, public_url_key, node_port_key)
    )
}

/// A PKCE public client (no secret) the seed Job registers with the control plane.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OAuthClient {
    pub client_id: &'static str,
    pub origin: String,
    pub redirect_uri: String,
}

into_data!(OAuthClient {
    client_id,
    origin,
    redirect_uri
});

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

/// The clients of the enabled modules, in a fixed order.
pub fn clients(settings: &Settings) -> Vec<OAuthClient> {
    let mut clients = Vec::new();
    for (module, client_id, url_key, port_key) in SIGN_IN_SERVICES {
        if module.enabled(settings) {
            clients.push(OAuthClient {
                client_id,
                origin: public_origin(settings, url_key, port_key),
                redirect_uri: redirect_uri(settings, url_key, port_key),
            });
        }
    }
    clients
}

/// The client list as the seed Job reads it (`NAP_OAUTH_CLIENTS`).
pub fn registration_json(clients: &[OAuthClient]) -> String {
    let list: Vec<_> = clients
        .iter()
        .map(|c| data!({"client_id": c.client_id, "redirect_uris": [&c.redirect_uri], "public": true, "pkce": "S256"}))
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
) -> Vec<Data> {
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
