//! What `napgen check` says about bad values files, in full: the human report on stderr and the
//! `--format json` report on stdout, with their exit codes. The snapshots in `tests/snapshots/`
//! make every change to a message a reviewed diff (`cargo insta review`, or
//! `INSTA_UPDATE=always cargo test --test messages` and then `git diff tests/snapshots/`).
//!
//! Then the promise that no message shows a secret's value, or a value of many lines, whatever
//! the value.

mod common;

use common::{napgen, stderr};
use napgen::app;
use napgen::input::Inputs;
use napgen_core::config::registry::KEYS;
use napgen_core::diagnostic::{Diagnostic, MAX_QUOTED_CHARS};
use napgen_core::error::Error;
use proptest::prelude::*;
use std::path::Path;

/// `napgen check -f FILE` and `napgen check -f FILE --format json` on `text`, run in a folder of
/// their own, as one report: each command, its exit code and what it wrote.
fn check_report(file: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), text).unwrap();
    let mut report = String::new();
    for args in [
        &["check", "-f", file][..],
        &["check", "-f", file, "--format", "json"][..],
    ] {
        let out = napgen(dir.path(), args);
        report.push_str(&format!(
            "$ napgen {}\nexit: {}\n",
            args.join(" "),
            out.status.code().unwrap()
        ));
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            if !bytes.is_empty() {
                report.push_str(&format!("--- {stream}\n{}", String::from_utf8_lossy(bytes)));
            }
        }
        report.push('\n');
    }
    report
}

/// Snapshots the report of `text` and checks that no `hidden` text is in it.
fn snapshot(name: &str, text: &str, hidden: &[&str]) -> String {
    let report = check_report(&format!("{name}.env"), text);
    for h in hidden {
        assert!(!report.contains(h), "{name}: {h:?} is shown:\n{report}");
    }
    insta::assert_snapshot!(name, report);
    report
}

#[test]
fn unclosed_quote() {
    // The quote on line 1 is closed only at the end of line 2: the error is at line 1 and says to
    // close it; line 2 is read as its own line and its value is not shown.
    let report = snapshot(
        "unclosed_quote",
        "NAMESPACE=\"nap\nADMIN_PASSWORD=hunter2\"\n",
        &["hunter2"],
    );
    assert!(report.contains("error: unclosed_quote.env:1: NAMESPACE: the double quote opened"));
}

#[test]
fn carriage_return_only_file() {
    // Old-Mac line endings: every line is read on its own, the first-line comment included.
    let report = snapshot(
        "cr_only",
        "# napgen values\rNAMESPACE=Nap\rADMIN_PASSWORD=hunter2-hunter2-hunter2-hunter2\rTOS_NODE_PORT=80\r",
        &["hunter2"],
    );
    assert!(report.contains("cr_only.env:2: NAMESPACE: \"Nap\" is not a valid Kubernetes name"));
    assert!(report.contains("cr_only.env:4: TOS_NODE_PORT"));
}

#[test]
fn wrong_types() {
    snapshot(
        "wrong_type",
        "NAMESPACE=nap\nTOS_NODE_PORT=eighty\nBACKUP_ENABLED=maybe\nSHARED_DIR_SIZE=20\nCONTROL_PLANE_REPLICAS=0\n",
        &[],
    );
}

/// An external PostgreSQL set up wrongly: backups on (refused), no host (required), a name that
/// is not a plain PostgreSQL name, a host name without the addresses to open, a weak sslmode and
/// keys of the other mode. The password is never shown.
#[test]
fn external_database_mistakes() {
    snapshot(
        "external_database",
        "DATABASE_MODE=external\nBACKUP_ENABLED=true\nBACKUP_DESTINATION_PATH=s3://b/nap\nBACKUP_S3_CREDENTIALS_SECRET=s3\nDATABASE_USER=Nap-App\nDATABASE_PASSWORD='db secret value 123'\n",
        &["db secret value 123"],
    );
    snapshot(
        "external_database_warnings",
        "DATABASE_MODE=external\nDATABASE_HOST=pg.corp.example.com\nDATABASE_SSLMODE=require\nPOSTGRES_INSTANCES=2\nDATABASE_PASSWORD='db secret value 123'\n",
        &["db secret value 123"],
    );
    snapshot(
        "cloudnative_pg_with_external_keys",
        "DATABASE_HOST=10.0.0.5\nDATABASE_EGRESS_CIDRS=10.0.0.0/24\n",
        &[],
    );
}

#[test]
fn openshift_namespace_and_k3s_defaults() {
    // OpenShift's own namespace is refused on PLATFORM=openshift, with its line; the defaults made
    // for k3s, and an NFS export prepared for UID 10001, are warned about on their lines.
    let report = snapshot(
        "openshift_bad_platform",
        "PLATFORM=openshift\nNAMESPACE=openshift-nap\nPLATFORM=OpenShift\n",
        &[],
    );
    assert!(
        report.contains(
            "error: openshift_bad_platform.env:3: PLATFORM: \"OpenShift\" is not allowed"
        ),
        "{report}"
    );
    let report = snapshot(
        "openshift_reserved_namespace",
        "PLATFORM=openshift\nNAMESPACE=openshift-nap\nNFS_SERVER=nfs.corp.example\nNFS_SHARE=/srv/nap\n",
        &[],
    );
    assert!(
        report.contains("error: openshift_reserved_namespace.env:2: NAMESPACE: openshift-nap is an openshift namespace")
            && report.contains("warning: openshift_reserved_namespace.env:1: PLATFORM: RWO_STORAGE_CLASS defaults to local-path")
            && report.contains("warning: openshift_reserved_namespace.env:3: NFS_SERVER: with PLATFORM=openshift"),
        "{report}"
    );
}

#[test]
fn unknown_key_with_a_suggestion() {
    snapshot(
        "unknown_key",
        "NAMESPAC=nap\nprofile=single-node\nTOTALLY_UNRELATED=x\n",
        &[],
    );
}

#[test]
fn secrets_with_bad_values() {
    snapshot(
        "bad_secret",
        "ADMIN_PASSWORD=\"hunter2\\nhunter2-hunter2-hunter2-hunter2\"\nTOS_SECRET_KEY=swordfish\nOPENAI_API_KEY='sk-live 1234567890abcdef'\n",
        &["hunter2", "swordfish", "sk-live", "1234567890abcdef"],
    );
}

#[test]
fn over_long_value() {
    // A 4 MB value (just under the 4 MiB limit of a values file) gives a message of a few lines,
    // not 4 MB of stderr.
    let value = "a".repeat(4_000_000);
    let report = snapshot(
        "over_long",
        &format!("TOS_HOST={value}\nNAMESPACE=\"{}\"\n", "n".repeat(80)),
        &[&"a".repeat(MAX_QUOTED_CHARS + 1)],
    );
    assert!(report.len() < 5_000, "{} bytes", report.len());
}

#[test]
fn stderr_of_an_over_long_value_stays_short() {
    // The same through `render`, which reports like `check` but prints no summary.
    let dir = tempfile::tempdir().unwrap();
    let value = "x".repeat(4_000_000);
    std::fs::write(
        dir.path().join("v.env"),
        format!("TOS_PUBLIC_URL={value}\n"),
    )
    .unwrap();
    let out = napgen(dir.path(), &["render", "-f", "v.env"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.len() < 2_000, "{}", stderr(&out));
}

/// Every finding `napgen check` makes of `text` (as a values file) and `sets` (as `--set`).
fn findings(text: &str, sets: &[String]) -> Vec<Diagnostic> {
    let inputs = Inputs {
        files: vec!["-".into()],
        sets: sets.to_vec(),
    };
    match app::check(&inputs, Path::new("."), &mut text.as_bytes()) {
        Ok(configured) => configured.warnings,
        Err(Error::Invalid(diagnostics)) => diagnostics,
        Err(other) => panic!("{other:?}"),
    }
}

/// Fails when `text` (or its JSON-escaped form) is in any finding, as printed or as JSON.
fn assert_not_shown(diagnostics: &[Diagnostic], text: &str) -> Result<(), TestCaseError> {
    let escaped = serde_json::to_string(text).unwrap();
    let escaped = &escaped[1..escaped.len() - 1];
    for d in diagnostics {
        let human = d.to_string();
        let json = serde_json::to_string(d).unwrap();
        prop_assert!(!human.contains(text), "{text:?} is shown in:\n{human}");
        prop_assert!(!json.contains(escaped), "{text:?} is shown in:\n{json}");
    }
    Ok(())
}

fn secret_keys() -> Vec<&'static str> {
    KEYS.iter()
        .filter(|k| k.is_secret())
        .map(|k| k.name)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A secret key's value, whatever it is, never appears in a finding: given in the file
    /// (single-quoted, so any text but `'` is literal) or with `--set`.
    #[test]
    fn secret_values_are_never_shown(
        key in prop::sample::select(secret_keys()),
        value in "[ -~\t]{12,80}",
        in_file in any::<bool>(),
    ) {
        let diagnostics = if in_file && !value.contains('\'') {
            findings(&format!("{key}='{value}'\n"), &[])
        } else {
            findings("", &[format!("{key}={value}")])
        };
        assert_not_shown(&diagnostics, &value)?;
    }

    /// A value on several lines, for any key, never appears in a finding, nor does any of its
    /// lines: in the file as a double-quoted value spanning lines (which only PEM keys may do),
    /// or with `--set`; the lines end in any line break a reader sees, Unicode's included. The lines have no `=`, so none can be read as a key, which messages name.
    #[test]
    fn multi_line_values_are_never_shown(
        key in prop::sample::select(KEYS.iter().map(|k| k.name).collect::<Vec<_>>()),
        lines in prop::collection::vec("zq[a-z0-9 _./:,-]{6,30}", 2..4),
        separator in prop::sample::select(vec!["\n", "\r\n", "\r", "\u{2028}", "\u{85}"]),
        in_file in any::<bool>(),
    ) {
        let value = lines.join(separator);
        let diagnostics = if in_file {
            findings(&format!("{key}=\"{value}\"\nNAMESPACE=nap\n"), &[])
        } else {
            findings("", &[format!("{key}={value}")])
        };
        assert_not_shown(&diagnostics, &value)?;
        for line in &lines {
            assert_not_shown(&diagnostics, line)?;
        }
    }
}

#[test]
fn operator_metadata_that_napgen_owns_or_that_weakens_security() {
    let report = snapshot(
        "operator_metadata",
        "COMMON_LABELS=app.kubernetes.io/name=mine\n\
         POD_LABELS=pod-security.kubernetes.io/enforce=privileged\n\
         POD_ANNOTATIONS=container.apparmor.security.beta.kubernetes.io/agent=unconfined\n\
         SERVICE_ANNOTATIONS=helm.sh/resource-policy=keep\n\
         SERVICE_ACCOUNT_ANNOTATIONS=no-equals-sign\n\
         MONITORING_LABELS=release=prom\n",
        &[],
    );
    assert!(report.contains("operator_metadata.env:1: COMMON_LABELS: the label"));
    assert!(report.contains("operator_metadata.env:2: POD_LABELS: the label"));
    assert!(report.contains("operator_metadata.env:3: POD_ANNOTATIONS: the annotation"));
    assert!(report.contains("operator_metadata.env:4: SERVICE_ANNOTATIONS: the annotation"));
    assert!(report.contains("operator_metadata.env:5: SERVICE_ACCOUNT_ANNOTATIONS:"));
}

#[test]
fn run_time_pool_without_its_size_or_without_its_nodes() {
    let report = snapshot(
        "run_time_pool",
        "RUNTIME_NODE_SELECTOR=example.com/pool=agents\nRUNTIME_CLASS_NAME=gVisor\n",
        &[],
    );
    assert!(report.contains("RUNTIME_NODES: is required (when RUNTIME_NODE_SELECTOR is set)"));
    assert!(report.contains("run_time_pool.env:2: RUNTIME_CLASS_NAME"));
    let report = snapshot("run_time_pool_size_alone", "RUNTIME_NODES=3\n", &[]);
    assert!(report.contains(
        "run_time_pool_size_alone.env:1: RUNTIME_NODES: has no effect without RUNTIME_NODE_SELECTOR"
    ));
}

#[test]
fn sizes_and_autoscalers_that_cannot_work() {
    let report = snapshot(
        "sizes",
        "CONTROL_PLANE_CPU=2\nCONTROL_PLANE_CPU_LIMIT=1500m\nGATEWAY_REPLICAS=2\nGATEWAY_MAX_REPLICAS=2\nCONTROL_PLANE_MEMORY=64Gi\n",
        &[],
    );
    assert!(report.contains(
        "error: sizes.env:2: CONTROL_PLANE_CPU_LIMIT: \"1500m\" is less than CONTROL_PLANE_CPU=\"2\": Kubernetes rejects a CPU limit below the request"
    ));
    assert!(report.contains(
        "error: sizes.env:4: GATEWAY_MAX_REPLICAS: is 2, not more than GATEWAY_REPLICAS=2"
    ));
    // Valid values that cannot run: a pod larger than any node, a target nothing reads.
    let report = snapshot(
        "sizes_too_large",
        "CONTROL_PLANE_MEMORY=64Gi\nAUTOSCALING_CPU_PERCENT=60\n",
        &[],
    );
    assert!(report.contains("warning: sizes_too_large.env:1: CONTROL_PLANE_MEMORY: a pod of 250m CPU and 65536 MiB (CONTROL_PLANE_CPU, CONTROL_PLANE_MEMORY) does not fit on one node, which leaves 3500m and 6656 MiB to pods"));
    assert!(report.contains(
        "warning: sizes_too_large.env:2: AUTOSCALING_CPU_PERCENT: has no effect: no Deployment is autoscaled"
    ));
}
