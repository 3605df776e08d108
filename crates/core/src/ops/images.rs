//! `napgen images`: every image the configuration pulls, after the `REGISTRY` rewrite, once each,
//! in the order the plan meets them; with the public reference each one is mirrored from.

use crate::config::Config;
use crate::plan::{self, Plan};
use serde::Serialize;

/// One image to pull (and to mirror, on an air-gapped site).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PulledImage {
    /// The reference the manifests use (after the `REGISTRY` rewrite).
    pub image: String,
    /// The public reference it is copied from (the same as `image` without `REGISTRY`).
    pub source: String,
    /// What pulls it.
    pub used_by: Vec<&'static str>,
}

/// The images of `plan`, deduplicated, keeping first-seen order. `config` is the one the plan
/// was made from; the public references come from the same plan made without `REGISTRY`.
pub fn list(config: &Config, plan: &Plan) -> Vec<PulledImage> {
    let public = if config.images.registry.is_some() {
        let mut without = config.clone();
        without.images.registry = None;
        plan::plan(&without).images
    } else {
        plan.images.clone()
    };
    let mut out: Vec<PulledImage> = Vec::new();
    for (i, image) in plan.images.iter().enumerate() {
        // The plan lists the same images in the same order with or without REGISTRY.
        let source = public
            .get(i)
            .filter(|p| p.used_by == image.used_by)
            .map_or_else(|| image.reference.clone(), |p| p.reference.clone());
        match out.iter_mut().find(|p| p.image == image.reference) {
            Some(seen) => {
                if !seen.used_by.contains(&image.used_by) {
                    seen.used_by.push(image.used_by);
                }
            }
            None => out.push(PulledImage {
                image: image.reference.clone(),
                source,
                used_by: vec![image.used_by],
            }),
        }
    }
    out
}

/// One reference per line.
pub fn text(images: &[PulledImage]) -> String {
    images.iter().map(|i| format!("{}\n", i.image)).collect()
}

/// `SOURCE TARGET` per line, for a mirroring loop (`while read -r src dst; do ...; done`).
pub fn mirror(images: &[PulledImage]) -> String {
    images
        .iter()
        .map(|i| format!("{} {}\n", i.source, i.image))
        .collect()
}

/// A JSON array of `{image, source, used_by}`.
pub fn json(images: &[PulledImage]) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(images).expect("images serialise")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::dotenv::Entry;
    use crate::config::validate;
    use crate::diagnostic::Origin;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let entries: Vec<Entry> = pairs
            .iter()
            .map(|(k, v)| Entry {
                key: k.to_string(),
                value: v.to_string(),
                origin: Origin::set_flag(),
            })
            .collect();
        validate::validate(&entries).config.unwrap()
    }

    #[test]
    fn deduplicated_with_their_users_and_sources() {
        let s = config(&[
            ("REGISTRY", "mirror.example.com:5000/nap"),
            ("AGENT_TYPES", "codex,claude-code"),
        ]);
        let plan = plan::plan(&s);
        let images = list(&s, &plan);
        let unique: std::collections::HashSet<_> =
            plan.images.iter().map(|i| &i.reference).collect();
        assert_eq!(images.len(), unique.len());
        for i in &images {
            assert!(i.image.starts_with("mirror.example.com:5000/nap/"), "{i:?}");
            assert!(!i.source.starts_with("mirror."), "{i:?}");
            assert_eq!(
                i.image.split_once('/').unwrap().1,
                format!("nap/{}", i.source.split_once('/').unwrap().1)
            );
        }
        assert!(mirror(&images).lines().all(|l| l.split(' ').count() == 2));
        let plain = config(&[]);
        let images = list(&plain, &plan::plan(&plain));
        assert!(images.iter().all(|i| i.source == i.image));
    }
}
