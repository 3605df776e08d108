//! The pipeline's stages on the all-modules profile, one benchmark each:
//! `cargo bench --bench pipeline` (add `-- --quick` for a short run).
//!
//! Each stage starts from the previous stage's output, computed once outside the timed loop:
//! load + validate from the file's text, plan from the typed configuration, render from the plan, emit the
//! bundle from the objects, and the Helm chart from the configuration, plan and objects. `end_to_end` is
//! the whole of `napgen render` but process start and writing to stdout.

use criterion::{criterion_group, criterion_main, Criterion};
use napgen_core::config::{dotenv, validate};
use napgen_core::output::{bundle, chart};
use napgen_core::{pipeline, plan, render};
use std::hint::black_box;

const PROFILE: &str = include_str!("../../../values/all-modules.env");

fn stages(c: &mut Criterion) {
    let (entries, _) = dotenv::parse_dotenv(PROFILE, "values/all-modules.env");
    let validated = validate::validate(&entries);
    let config = validated.config.expect("the all-modules profile is valid");
    let settings = validated
        .settings
        .expect("the all-modules profile is valid");
    let plan = plan::plan(&config);
    let objects = render::render(&plan).expect("the all-modules profile renders");
    let header = pipeline::header(&plan);

    c.bench_function("load_validate", |b| {
        b.iter(|| {
            let (entries, _) = dotenv::parse_dotenv(black_box(PROFILE), "values/all-modules.env");
            validate::validate(&entries)
        })
    });
    c.bench_function("plan", |b| b.iter(|| plan::plan(black_box(&config))));
    c.bench_function("render", |b| {
        b.iter(|| render::render(black_box(&plan)).unwrap())
    });
    c.bench_function("emit_bundle", |b| {
        b.iter(|| bundle::bundle(black_box(&objects), &header))
    });
    c.bench_function("chart", |b| {
        b.iter(|| chart::chart(&settings, &config, black_box(&plan), &objects))
    });
    c.bench_function("end_to_end", |b| {
        b.iter(|| {
            let (entries, _) = dotenv::parse_dotenv(black_box(PROFILE), "values/all-modules.env");
            let config = validate::validate(&entries).config.unwrap();
            let plan = plan::plan(&config);
            let objects = render::render(&plan).unwrap();
            bundle::bundle(&objects, &pipeline::header(&plan))
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
