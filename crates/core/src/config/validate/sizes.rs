//! Rules between the sizes and replica counts of the platform's Deployments: a CPU limit is at
//! least its request (`<NAME>_CPU_LIMIT` against `<NAME>_CPU`), an autoscaler's top is above the
//! replicas it starts from (`<NAME>_MAX_REPLICAS` against `<NAME>_REPLICAS`), and the autoscalers'
//! CPU target is only given when there is an autoscaler.

use super::presence::key_in_use;
use super::{key_error, key_warning, shown_setting};
use crate::config::registry::{self, Key, KEYS};
use crate::config::settings::Settings;
use crate::config::types::Cpu;
use crate::diagnostic::{Diagnostic, Shown};

/// Every `(<NAME>_CPU, <NAME>_CPU_LIMIT)` pair of the registry.
pub(crate) fn cpu_limits() -> impl Iterator<Item = (&'static Key, &'static Key)> {
    paired("_CPU_LIMIT", "_CPU")
}

/// Every `(<NAME>_REPLICAS, <NAME>_MAX_REPLICAS)` pair of the registry.
pub(crate) fn autoscaled() -> impl Iterator<Item = (&'static Key, &'static Key)> {
    paired("_MAX_REPLICAS", "_REPLICAS")
}

/// Keys ending in `suffix`, each with the key named by the same stem and `base`.
fn paired(
    suffix: &'static str,
    base: &'static str,
) -> impl Iterator<Item = (&'static Key, &'static Key)> {
    KEYS.iter().filter_map(move |key| {
        let stem = key.name.strip_suffix(suffix)?;
        let base = registry::key(&format!("{stem}{base}"))?;
        Some((base, key))
    })
}

pub(super) fn check_sizes(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    limits_cover_requests(settings, diags);
    autoscalers_scale_up(settings, diags);
    cpu_target_needs_an_autoscaler(settings, diags);
}

/// Kubernetes rejects a container whose CPU limit is below its request.
fn limits_cover_requests(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    let millis = |key: &Key| {
        let text = settings.opt(key.name)?;
        Cpu::parse(text, &Shown::value(key, text))
            .ok()
            .map(|c| c.millis())
    };
    for (request, limit) in cpu_limits().filter(|(_, limit)| key_in_use(limit, settings)) {
        // A limit left to its default is a multiple of the request.
        if settings.origin(limit.name).is_none() {
            continue;
        }
        if let (Some(r), Some(l)) = (millis(request), millis(limit)) {
            if l < r {
                diags.push(key_error(
                    settings,
                    limit.name,
                    format!(
                        "{} is less than {}={}: Kubernetes rejects a CPU limit below the request",
                        shown_setting(limit.name, settings.str(limit.name)),
                        request.name,
                        shown_setting(request.name, settings.str(request.name)),
                    ),
                    format!(
                        "raise {} to at least {}, or remove it ({})",
                        limit.name,
                        request.name,
                        limit.default.doc()
                    ),
                ));
            }
        }
    }
}

/// An autoscaler from N to N replicas never scales; one below N is invalid.
fn autoscalers_scale_up(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    for (replicas, max) in autoscaled().filter(|(_, max)| key_in_use(max, settings)) {
        if !settings.is_set(max.name) || !settings.is_set(replicas.name) {
            continue;
        }
        let (least, most) = (settings.int(replicas.name), settings.int(max.name));
        if most <= least {
            diags.push(key_error(
                settings,
                max.name,
                format!(
                    "is {most}, not more than {}={least}: the autoscaler would have no room to scale",
                    replicas.name
                ),
                format!(
                    "set {} above {} (the replicas it never goes below), or remove it for a fixed count",
                    max.name, replicas.name
                ),
            ));
        }
    }
}

/// AUTOSCALING_CPU_PERCENT is read only by the autoscalers `*_MAX_REPLICAS` adds.
fn cpu_target_needs_an_autoscaler(settings: &Settings, diags: &mut Vec<Diagnostic>) {
    const TARGET: &str = "AUTOSCALING_CPU_PERCENT";
    let any = autoscaled().any(|(_, max)| key_in_use(max, settings) && settings.is_set(max.name));
    if settings.origin(TARGET).is_some() && settings.is_set(TARGET) && !any {
        let maxima: Vec<_> = autoscaled().map(|(_, max)| max.name).collect();
        diags.push(key_warning(
            settings,
            TARGET,
            "has no effect: no Deployment is autoscaled",
            format!(
                "set one of {} to autoscale a Deployment, or remove the line",
                maxima.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::validate::testing::{messages, run};

    /// The rules find their keys by name: every limit and maximum has its request and count.
    #[test]
    fn every_limit_and_maximum_has_its_pair() {
        let ends = |suffix: &str| KEYS.iter().filter(|k| k.name.ends_with(suffix)).count();
        assert_eq!(cpu_limits().count(), ends("_CPU_LIMIT"));
        assert_eq!(autoscaled().count(), ends("_MAX_REPLICAS"));
        assert_eq!(cpu_limits().count(), 6);
        assert_eq!(autoscaled().count(), 5);
    }

    #[test]
    fn limits_and_maxima_are_checked_only_where_they_count() {
        // A limit equal to the request, and a derived one above it, are fine.
        let v = run(&[
            ("GATEWAY_CPU", "2"),
            ("GATEWAY_CPU_LIMIT", "2000m"),
            ("CONTROL_PLANE_CPU", "3"),
        ]);
        assert!(v.config.is_some(), "{:?}", messages(&v));
        let config = v.config.unwrap();
        assert_eq!(
            config.services.control_plane.resources.cpu_limit.as_str(),
            "12"
        );
        // A module that is off is not checked (its keys are reported as having no effect).
        let v = run(&[("BRIDGE_REPLICAS", "3"), ("BRIDGE_MAX_REPLICAS", "2")]);
        assert!(v.config.is_some(), "{:?}", messages(&v));
        // On, the same pair is refused.
        let v = run(&[
            ("BROWSER_ENABLED", "true"),
            ("TURN_HOST", "192.0.2.1"),
            ("BROWSER_SERVICE_REPLICAS", "3"),
            ("BROWSER_SERVICE_MAX_REPLICAS", "2"),
            ("TURN_CPU", "1"),
            ("TURN_CPU_LIMIT", "500m"),
        ]);
        let found = messages(&v).join("\n");
        assert!(
            found.contains(
                "BROWSER_SERVICE_MAX_REPLICAS: is 2, not more than BROWSER_SERVICE_REPLICAS=3"
            ),
            "{found}"
        );
        assert!(
            found.contains("TURN_CPU_LIMIT: \"500m\" is less than TURN_CPU=\"1\""),
            "{found}"
        );
        // An autoscaler takes the target; without one it is reported unused.
        let v = run(&[
            ("GATEWAY_MAX_REPLICAS", "4"),
            ("AUTOSCALING_CPU_PERCENT", "50"),
        ]);
        let gateway = v.config.as_ref().unwrap().services.gateway.scale;
        assert_eq!((gateway.replicas, gateway.most()), (1, 4));
        assert_eq!(gateway.autoscale.map(|a| a.cpu_percent), Some(50));
        assert_eq!(gateway.fixed_count(), None);
        assert!(!messages(&v).join("\n").contains("AUTOSCALING_CPU_PERCENT"));
    }
}
