//! The pipeline's stages on the all-modules profile, one benchmark each:
//! `cargo bench --bench pipeline` (add `-- --quick` for a short run).
//!
//! Each stage starts from the previous stage's output, computed once outside the timed loop:
//! load + validate from the file's text, plan from settings, render from the plan (as objects,
//! and written straight into the bundle as `napgen render` does), emit the bundle from the objects,
//! and the Helm chart from settings, plan and objects. `end_to_end` is
//! the whole of `napgen render` but process start and writing to stdout.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use napgen_core::config::{dotenv as load, validate};
use napgen_core::output::{bundle as emit, chart};
use napgen_core::{pipeline as app, plan, render};
use std::hint::black_box;

const PROFILE: &str = include_str!("../../../values/all-modules.env");

fn stages(c: &mut Criterion) {
    let (entries, _) = load::parse_dotenv(PROFILE, "values/all-modules.env");
    let validated = validate::validate(&entries);
    let config = validated.config.expect("the all-modules profile is valid");
    let settings = validated
        .settings
        .expect("the all-modules profile is valid");
    let plan = plan::plan(&settings);
    let objects = render::render(&plan).expect("the all-modules profile renders");
    let header = app::header(&plan);

    c.bench_function("load_validate", |b| {
        b.iter(|| {
            let (entries, _) = load::parse_dotenv(black_box(PROFILE), "values/all-modules.env");
            validate::validate(&entries)
        })
    });
    c.bench_function("plan", |b| b.iter(|| plan::plan(black_box(&settings))));
    c.bench_function("render", |b| {
        b.iter(|| render::render(black_box(&plan)).unwrap())
    });
    // What `napgen render` does: each document written straight from its template into the
    // bundle. It uses the plan up, so each run gets a fresh one (made outside the timing).
    c.bench_function("write_bundle", |b| {
        b.iter_batched(
            || plan::plan(&settings),
            |plan| {
                let mut out = emit::bundle_start(&header);
                render::Rendering::new(black_box(plan))
                    .write_bundle(|_| true, &mut out)
                    .unwrap();
                out
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("emit_bundle", |b| {
        b.iter(|| emit::bundle(black_box(&objects), &header))
    });
    c.bench_function("chart", |b| {
        b.iter(|| chart::chart(&settings, &config, black_box(&plan), &objects))
    });
    c.bench_function("end_to_end", |b| {
        b.iter(|| {
            let (entries, _) = load::parse_dotenv(black_box(PROFILE), "values/all-modules.env");
            let settings = validate::validate(&entries).settings.unwrap();
            let plan = plan::plan(&settings);
            let mut out = emit::bundle_start(&app::header(&plan));
            render::Rendering::new(plan)
                .write_bundle(|_| true, &mut out)
                .unwrap();
            out
        })
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
