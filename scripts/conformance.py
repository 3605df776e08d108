#!/usr/bin/env python3
"""Offline conformance checks for napgen's output.

Run through `scripts/conformance` (it provides the pinned tool venv). Steps:

  0 parse       every bundle is YAML that PyYAML reads; each document is one object with
                apiVersion, kind and metadata.name; no duplicate keys, no duplicate objects.
  1 k8s         kubernetes-validate (strict: no unknown fields) against Kubernetes 1.28, the newest
                version the package ships and one in between.
    crd         kinds kubernetes-validate has no schema for are validated against their CRD's
                openAPIV3Schema (NAPGEN_SCHEMAS), made strict the way the API server prunes.
  2 checkov     checkov --framework kubernetes, offline, over every bundle in one run.
  3 helm        helm-sdkpy: lint every chart folder and archive (0 errors, 0 warnings), load every
                archive (Chart.yaml + values.yaml) and check its layout is what `helm package` writes.
    install     (rendered mode) a real `helm install` of every chart against a recording fake
                Kubernetes API server, which lets Helm render and then refuses to create anything:
                the objects and hooks Helm would create must equal the bundle's objects but for
                the chart's documented differences (no Namespace; hook annotations on the seed
                Jobs, named nap-seed-<task> as the platform's pages name them rather than the
                bundle's nap-seed-<task>-<hash>); another namespace and a changed value must fail before anything is created;
                a chart whose values contain `{{ }}` and `---` lines must arrive literally.
    helm-cli    the real helm and kubectl binaries (installed by the wrapper, sha256-checked), for
                every profile and the `{{ }}` one: `helm lint --strict` of the folder and the
                archive; `helm template -n <ns>` of both and `helm install --dry-run=client` equal
                to the bundle object by object, field by field (but for the differences listed above
                class HelmCli); `kubectl kustomize` of the `render --split` folder equal to the bundle.
    argocd      (rendered mode) `render --for argocd|flux` of all-modules and the plugin's ConfigMap
                go through the steps above; plugin.yaml is checked against Argo CD's plugin fields
                (argocd-cmp-plugin.schema.json) and the repo-server sidecar patch, merged by
                `kubectl kustomize` into a minimal argocd-repo-server, is validated strictly.

Exit status: 0 all checks passed, 1 a check failed, 2 the checker could not run (usage, setup).
"""
from __future__ import annotations

import argparse
import asyncio
import collections
import copy
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

# napgen has a `chart` command: a napgen without it fails the run instead of printing
# "helm: SKIPPED".
REQUIRE_CHART = True

REPO_ROOT = Path(os.path.abspath(__file__)).parent.parent  # not resolve(): keep a symlinked checkout
TESTDATA = Path(__file__).resolve().parent / "testdata"
OLDEST_K8S = "1.28.0"
CHECKOV_TIMEOUT = 900  # seconds
BARE_OBJECT = "x-napgen-conformance-bare-object"  # marks CRD object nodes that declare no fields
WORKLOAD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                  "ReplicationController", "Job", "CronJob"}
HELM_SEVERITY = {0: "UNKNOWN", 1: "INFO", 2: "WARNING", 3: "ERROR"}

import yaml  # noqa: E402  (after the constants, so a missing venv fails with a clear import line)


class SetupError(Exception):
    """The checker itself cannot run (bad usage, missing binary/schemas): exit 2."""


# --------------------------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------------------------

class Report:
    def __init__(self, quiet: bool = False):
        self.errors: list[tuple[str, str]] = []   # (step, message)
        self.summary: list[str] = []
        self.quiet = quiet

    def error(self, step: str, msg: str) -> None:
        self.errors.append((step, msg))
        if not self.quiet:
            print(f"ERROR {step}: {msg}", flush=True)

    def info(self, step: str, msg: str) -> None:
        if not self.quiet:
            print(f"  {step}: {msg}", flush=True)

    def count(self, step: str) -> int:
        return sum(1 for s, _ in self.errors if s == step)


def short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(root)"


def schema_error_text(err) -> str:
    """One line for a jsonschema error, descending into anyOf/oneOf for the useful part."""
    import jsonschema
    msg = err.message
    if err.context:
        best = jsonschema.exceptions.best_match(err.context)
        if best is not None and best.message != msg:
            sub = json_path(list(err.absolute_path) + list(best.relative_path))
            msg = f"{short(msg, 120)} (e.g. {sub}: {short(best.message, 160)})"
    return short(msg)


# --------------------------------------------------------------------------------------------
# step 0: parse
# --------------------------------------------------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader, but a mapping with a duplicate key is an error (the API server's
    strict decoding rejects it; PyYAML would silently keep the last value)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark,
                        f"found duplicate key {key!r} (first at line {seen[key] + 1})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line
            except TypeError:
                pass
        return super().construct_mapping(node, deep=deep)


class Obj:
    __slots__ = ("file", "index", "line", "data")

    def __init__(self, file: str, index: int, line: int, data: dict):
        self.file, self.index, self.line, self.data = file, index, line, data

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def api_version(self) -> str:
        return self.data["apiVersion"]

    @property
    def ident(self) -> str:
        md = self.data.get("metadata") or {}
        ns = md.get("namespace")
        name = md.get("name")
        return f"{self.kind}/{ns + '/' if ns else ''}{name}"

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}: {self.ident} ({self.api_version})"


def parse_bundles(files: list[str], rep: Report) -> tuple[list[Obj], list[str]]:
    """Returns (objects, files that parsed)."""
    objs: list[Obj] = []
    ok_files: list[str] = []
    kinds: collections.Counter = collections.Counter()
    seen: dict[tuple, str] = {}
    for f in files:
        try:
            text = Path(f).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            rep.error("parse", f"{f}: cannot read: {e}")
            continue
        loader = StrictLoader(text)
        docs = []
        try:
            while loader.check_node():
                node = loader.get_node()
                docs.append((node.start_mark.line + 1, loader.construct_document(node)))
        except yaml.YAMLError as e:
            rep.error("parse", f"{f}: not valid YAML: "
                               + short(str(e).replace('in "<unicode string>", ', ""), 400))
            continue
        finally:
            loader.dispose()
        ok_files.append(f)
        if not docs:
            rep.error("parse", f"{f}: no objects in the bundle")
        for i, (line, d) in enumerate(docs, 1):
            where = f"{f}:{line}: document {i}"
            if not isinstance(d, dict):
                rep.error("parse", f"{where}: is {type(d).__name__ if d is not None else 'empty'}, "
                                   "expected one object (a mapping)")
                continue
            bad = [k for k in ("apiVersion", "kind") if not isinstance(d.get(k), str) or not d.get(k)]
            md = d.get("metadata")
            if not isinstance(md, dict) or not isinstance(md.get("name"), str) or not md["name"]:
                bad.append("metadata.name")
            if bad:
                rep.error("parse", f"{where}: missing or non-string {', '.join(bad)}")
                continue
            o = Obj(f, i, line, d)
            group = o.api_version.rsplit("/", 1)[0] if "/" in o.api_version else ""
            key = (f, group, o.kind, md.get("namespace"), md["name"])
            if key in seen:
                rep.error("parse", f"{o.where}: duplicate object (first at {seen[key]})")
            seen[key] = f"{f}:{line}"
            objs.append(o)
            kinds[o.kind] += 1
    per_kind = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    status = "OK" if rep.count("parse") == 0 else f"{rep.count('parse')} errors"
    rep.summary.append(f"parse: {len(files)} bundles, {len(objs)} objects ({per_kind}) {status}")
    return objs, ok_files


# --------------------------------------------------------------------------------------------
# step 1: kubernetes-validate + CRDs
# --------------------------------------------------------------------------------------------

def k8s_versions() -> list[str]:
    """1.28, the newest version kubernetes-validate ships, and the one in the middle."""
    from packaging.version import Version
    from kubernetes_validate import utils
    avail = sorted(set(utils.all_versions()), key=Version)
    if OLDEST_K8S not in avail:
        raise SetupError(f"kubernetes-validate ships no schemas for {OLDEST_K8S} (has {avail})")
    span = [v for v in avail if Version(v) >= Version(OLDEST_K8S)]
    picked = [span[0], span[len(span) // 2], span[-1]]
    return sorted(set(picked), key=Version)


class K8sValidator:
    """kubernetes-validate's own validate() (its schema lookup, version fallback and strict
    schema set), with the schema files cached; on failure every error is listed, not only the
    first one validate() raises."""

    def __init__(self):
        import kubernetes_validate
        from kubernetes_validate import utils
        self.kv = kubernetes_validate
        self.utils = utils
        # validate() re-reads the schema files and re-lists the package's folders on every call;
        # both are constant, so cache them (4x faster on a few hundred objects).
        for fn in ("schema_contents", "all_versions"):
            if not getattr(getattr(utils, fn), "cache_info", None):
                setattr(utils, fn, functools.lru_cache(maxsize=None)(getattr(utils, fn)))
        self._validators: dict = {}

    def _validator(self, api_version: str, kind: str, version: str):
        """Same file naming as kubernetes_validate.utils.validate (pinned version)."""
        import jsonschema
        from referencing import Registry, Resource
        key = (api_version, kind, version)
        if key not in self._validators:
            grp = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            d = f"v{version}-local-strict"
            schema = self.utils.schema_contents(
                f"kubernetes-json-schema/{d}/{kind.lower()}-{grp}.json", version)
            defs = self.utils.schema_contents(f"kubernetes-json-schema/{d}/_definitions.json", version)
            reg = Resource.from_contents(schema) @ Registry()
            reg = Resource.from_contents(defs) @ reg
            self._validators[key] = jsonschema.Draft202012Validator(schema, registry=reg)
        return self._validators[key]

    def validate(self, data: dict, version: str) -> list[tuple[str, str]] | None:
        """None: no schema for this kind; []: valid; else [(path, message)]."""
        try:
            self.kv.validate(data, version, strict=True)
            return []
        except self.kv.SchemaNotFoundError:
            return None
        except self.kv.ValidationError as first:
            try:
                v = self._validator(data["apiVersion"], data["kind"], version)
                errs = sorted(v.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
                out = [(json_path(e.absolute_path), schema_error_text(e)) for e in errs]
            except Exception:  # our mirror of the lookup drifted: keep the library's answer
                out = []
            return out or [(json_path(first.absolute_path), schema_error_text(first))]

    def object_meta_validator(self, version: str):
        """Strict ObjectMeta from the same schema set, for custom resources' metadata."""
        import jsonschema
        from referencing import Registry, Resource
        key = ("ObjectMeta", version)
        if key not in self._validators:
            d = f"v{version}-local-strict"
            defs = self.utils.schema_contents(f"kubernetes-json-schema/{d}/_definitions.json", version)
            ref = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "$id": "https://kubernetes.io/api/napgen-conformance/objectmeta",
                   "$ref": "/api/_definitions.json#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
            reg = Resource.from_contents(defs) @ Registry()
            self._validators[key] = jsonschema.Draft202012Validator(ref, registry=reg)
        return self._validators[key]


def strict_crd_schema(schema: dict) -> dict:
    """An openAPIV3Schema turned into a JSON Schema (Draft 4: OpenAPI v3.0's schema dialect) that
    rejects what the API server would prune or reject:

    * an object node with `properties` and neither `additionalProperties` nor
      `x-kubernetes-preserve-unknown-fields: true` gets `additionalProperties: false`;
    * an object node with no properties at all (and neither of those) accepts only `{}`: the API
      server drops every field in it (except the root `metadata`, checked as ObjectMeta);
    * `x-kubernetes-int-or-string: true` accepts an integer or a string;
    * `x-kubernetes-embedded-resource: true` implicitly allows apiVersion, kind and metadata;
    * `nullable: true` allows null; elsewhere null is rejected.

    Only the structural part (properties / items / additionalProperties) is tightened; the
    anyOf/allOf/oneOf/not value validations are kept as they are. CEL rules
    (`x-kubernetes-validations`) and `format` are not evaluated.
    """
    schema = copy.deepcopy(schema)

    def allow_null(node: dict) -> None:
        t = node.get("type")
        if isinstance(t, str):
            node["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            node["type"] = t + ["null"]

    def walk(node, root=False):
        if not isinstance(node, dict):
            return
        if node.get("x-kubernetes-int-or-string"):
            node.pop("type", None)
            if not any(k in node for k in ("anyOf", "oneOf")):
                node["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if node.get("x-kubernetes-embedded-resource"):
            props = node.setdefault("properties", {})
            props.setdefault("apiVersion", {"type": "string"})
            props.setdefault("kind", {"type": "string"})
            props.setdefault("metadata", {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
        preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
        is_object = node.get("type") == "object" or "properties" in node
        if is_object and not preserve and "additionalProperties" not in node:
            node["additionalProperties"] = False
            if not node.get("properties"):
                node[BARE_OBJECT] = True
        if node.get("nullable") is True:
            allow_null(node)
        for name, sub in (node.get("properties") or {}).items():
            if root and name == "metadata":
                node["properties"][name] = {"type": "object"}  # checked separately as ObjectMeta
                continue
            walk(sub)
        if isinstance(node.get("items"), dict):
            walk(node["items"])
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"])

    walk(schema, root=True)
    return schema


class CrdSet:
    def __init__(self, schemas_dir: Path):
        self.dir = schemas_dir
        if not schemas_dir.is_dir():
            raise SetupError(
                f"CRD schema folder {schemas_dir} does not exist; set NAPGEN_SCHEMAS to the folder "
                "with the CustomResourceDefinition YAMLs (default: ../shared/schemas beside the repo)")
        self.crds: dict[tuple[str, str], tuple[dict, str]] = {}
        for p in sorted(list(schemas_dir.glob("*.yaml")) + list(schemas_dir.glob("*.yml"))):
            try:
                docs = list(yaml.load_all(p.read_text(encoding="utf-8"), Loader=_BaseLoader))
            except (OSError, yaml.YAMLError) as e:
                raise SetupError(f"cannot read CRD file {p}: {short(e)}")
            for d in docs:
                if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition":
                    spec = d.get("spec") or {}
                    self.crds[(spec.get("group"), (spec.get("names") or {}).get("kind"))] = (d, p.name)
        if not self.crds:
            raise SetupError(f"no CustomResourceDefinition found in {schemas_dir}")
        self._validators: dict = {}

    def validator(self, api_version: str, kind: str):
        """(validator, crd file) or raises LookupError with the reason."""
        import jsonschema
        if "/" not in api_version:
            raise LookupError(f"core apiVersion {api_version!r} has no kind {kind}")
        group, version = api_version.rsplit("/", 1)
        key = (group, kind, version)
        if key in self._validators:
            return self._validators[key]
        found = self.crds.get((group, kind))
        if not found:
            raise LookupError(f"no CRD for group {group} kind {kind} in {self.dir}")
        crd, fname = found
        vers = {v.get("name"): v for v in crd["spec"].get("versions") or []}
        v = vers.get(version)
        if v is None:
            raise LookupError(f"CRD {fname} has no version {version} (has {', '.join(vers)})")
        if not v.get("served", False):
            raise LookupError(f"CRD {fname} does not serve version {version}")
        schema = (v.get("schema") or {}).get("openAPIV3Schema")
        if not isinstance(schema, dict):
            raise LookupError(f"CRD {fname} version {version} has no openAPIV3Schema")
        strict = strict_crd_schema(schema)
        jsonschema.Draft4Validator.check_schema(strict)
        res = (jsonschema.Draft4Validator(strict), fname)
        self._validators[key] = res
        return res


def step_validate(objs: list[Obj], schemas_dir: Path, rep: Report) -> None:
    versions = k8s_versions()
    kv = K8sValidator()
    crds: CrdSet | None = None
    crd_setup_error: str | None = None
    n_k8s = 0
    crd_kinds: collections.Counter = collections.Counter()
    crd_files: set[str] = set()
    for o in objs:
        results = {v: kv.validate(o.data, v) for v in versions}
        missing = [v for v, r in results.items() if r is None]
        if missing and len(missing) < len(versions):
            rep.error("kubernetes-validate",
                      f"{o.where}: not served by Kubernetes {', '.join(missing)} "
                      f"(kubernetes-validate has no schema for it there)")
        if not missing:
            n_k8s += 1
        # the same error in several versions is reported once, with the versions listed
        grouped: dict[tuple[str, str], list[str]] = collections.OrderedDict()
        for v, r in results.items():
            for pe in r or []:
                grouped.setdefault(pe, []).append(v)
        for (path, msg), vs in grouped.items():
            rep.error("kubernetes-validate",
                      f"{o.where}: {path}: {msg} [k8s {', '.join(vs) if len(vs) < len(versions) else 'all'}]")
        if len(missing) != len(versions):
            continue
        # a kind no Kubernetes version knows: a custom resource, validated against its CRD
        if crds is None and crd_setup_error is None:
            try:
                crds = CrdSet(schemas_dir)
            except SetupError as e:
                crd_setup_error = str(e)
        if crds is None:
            rep.error("crd", f"{o.where}: custom resource, but {crd_setup_error}")
            continue
        try:
            validator, fname = crds.validator(o.api_version, o.kind)
        except LookupError as e:
            rep.error("crd", f"{o.where}: no schema at all: kubernetes-validate has none and {e}")
            continue
        crd_kinds[o.kind] += 1
        crd_files.add(fname)
        errs = sorted(validator.iter_errors(o.data), key=lambda e: list(map(str, e.absolute_path)))
        for e in errs:
            hint = ""
            if e.validator == "additionalProperties" and isinstance(e.schema, dict) and e.schema.get(BARE_OBJECT):
                hint = " (the CRD declares no fields here: the API server would prune them)"
            rep.error("crd", f"{o.where}: {json_path(e.absolute_path)}: {schema_error_text(e)}{hint} [{fname}]")
        grouped = collections.OrderedDict()
        for v in versions:
            for e in kv.object_meta_validator(v).iter_errors(o.data.get("metadata")):
                grouped.setdefault((json_path(["metadata"] + list(e.absolute_path)),
                                    schema_error_text(e)), []).append(v)
        for (path, msg), vs in grouped.items():
            rep.error("crd", f"{o.where}: {path}: {msg} [ObjectMeta, k8s {', '.join(vs) if len(vs) < len(versions) else 'all'}]")
    n_err = rep.count("kubernetes-validate")
    rep.summary.append(
        f"kubernetes-validate: {n_k8s} objects × {len(versions)} versions ({', '.join(versions)}) "
        + ("OK" if n_err == 0 else f"{n_err} errors"))
    n_crd = rep.count("crd")
    kinds = ", ".join(f"{k}" if n == 1 else f"{k} ×{n}" for k, n in sorted(crd_kinds.items())) or "none"
    rep.summary.append(
        f"crd: {sum(crd_kinds.values())} objects ({kinds}) against {', '.join(sorted(crd_files)) or '-'}"
        f" {'OK' if n_crd == 0 else f'{n_crd} errors'} (CEL rules not evaluated)")


# --------------------------------------------------------------------------------------------
# step 2: checkov
# --------------------------------------------------------------------------------------------

def checkov_start(files: list[str], workdir: Path):
    """Starts checkov in the background (it is the slowest tool; the other steps run meanwhile)."""
    exe = Path(sys.executable).parent / "checkov"
    if not exe.exists():
        raise SetupError(f"checkov is not installed in the tool venv ({exe})")
    home = workdir / "checkov-home"
    home.mkdir(parents=True, exist_ok=True)
    # A clean environment: no BC_API_KEY / PRISMA_* (no platform), no CKV_* options from the caller
    # (checkov reads e.g. CKV_SKIP_CHECK from the environment), no .checkov.yaml (cwd and HOME are
    # empty temp dirs). The variables below stop every call home checkov would otherwise make.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",   # no PyPI "new version" lookup
        "BC_SKIP_MAPPING": "TRUE",                 # no guidelines/ID mapping download
        "CKV_CACHE_DIR": str(home / "cache"),
        "LOG_LEVEL": "WARNING",
        # belt and braces: anything that still tried HTTP(S) would fail at once, not hang
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "", "no_proxy": "",
    }
    cmd = [str(exe), "--framework", "kubernetes", "--skip-download", "--skip-results-upload",
           "--compact", "-o", "json", "-f", *[os.path.abspath(f) for f in files]]
    out = open(workdir / "checkov.json", "w+b")
    err = open(workdir / "checkov.err", "w+b")
    proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    return proc, out, err


def checkov_finish(handle, files: list[str], objs: list[Obj], rep: Report) -> None:
    proc, out, err = handle
    try:
        rc = proc.wait(timeout=CHECKOV_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rep.error("checkov", f"checkov did not finish within {CHECKOV_TIMEOUT}s (killed)")
        rep.summary.append("checkov: timed out")
        return
    out.seek(0)
    err.seek(0)
    raw = out.read().decode("utf-8", "replace")
    stderr = err.read().decode("utf-8", "replace")
    out.close()
    err.close()
    try:
        data = json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError:
        data = None
    if data is None:
        tail = "\n".join((stderr or raw).strip().splitlines()[-25:])
        rep.error("checkov", f"checkov (exit {rc}) wrote no JSON report; its output ends with:\n{tail}")
        rep.summary.append("checkov: did not run")
        return
    reports = data if isinstance(data, list) else [data]
    passed, failed, skipped, parse_errs = [], [], [], []
    for r in reports:
        if r.get("check_type") not in (None, "kubernetes"):
            continue
        res = r.get("results") or {}
        passed += res.get("passed_checks") or []
        failed += res.get("failed_checks") or []
        skipped += res.get("skipped_checks") or []
        parse_errs += res.get("parsing_errors") or []
        s = r.get("summary") or {}
        if not res and s.get("parsing_errors"):
            parse_errs.append(f"{s['parsing_errors']} file(s)")
    for p in parse_errs:
        rep.error("checkov", f"checkov could not parse {p}")

    def fpath(c) -> str:
        return os.path.realpath(c.get("file_abs_path") or c.get("file_path") or "")

    checks_per_file = collections.Counter(fpath(c) for c in passed + failed + skipped)
    workloads = collections.Counter(os.path.realpath(o.file) for o in objs if o.kind in WORKLOAD_KINDS)
    for f in files:
        rf = os.path.realpath(f)
        if workloads[rf] and not checks_per_file[rf]:
            rep.error("checkov", f"{f}: {workloads[rf]} workload objects but checkov ran 0 checks on "
                                 "the file (it reports nothing for YAML it cannot read)")
    shown_as = {os.path.realpath(f): f for f in files}

    def natural(text: str) -> list:
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text or "")]

    for c in sorted(failed, key=lambda c: (fpath(c), natural(c.get("resource", "")),
                                           natural(c.get("check_id", "")))):
        lines = c.get("file_line_range") or []
        f = shown_as.get(fpath(c), fpath(c))
        at = f"{f}:{lines[0]}" if lines else f
        rep.error("checkov", f"{c.get('check_id')} {c.get('resource')} ({at}): {c.get('check_name')}")
    reasons = collections.defaultdict(list)
    for c in skipped:
        reason = (c.get("check_result") or {}).get("suppress_comment") or "(no reason given)"
        reasons[(c.get("check_id"), reason)].append(
            f"{c.get('resource')} ({os.path.basename(fpath(c))})" if len(files) > 1 else c.get("resource"))
    for (cid, reason), resources in sorted(reasons.items()):
        rep.info("checkov", f"skipped {cid} on {', '.join(sorted(resources))}: {reason}")
    if rc not in (0, 1):
        rep.error("checkov", f"checkov exited with status {rc}: {short(stderr, 500)}")
    elif rc == 1 and not failed:
        rep.error("checkov", f"checkov exited with status 1 without a failed check: {short(stderr, 500)}")
    rep.summary.append(f"checkov: {len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped"
                       f" over {len(files)} bundles")


# --------------------------------------------------------------------------------------------
# step 3: helm (helm-sdkpy)
# --------------------------------------------------------------------------------------------

class Helm:
    def __init__(self, workdir: Path):
        # Keep Helm's state away from the user's: no kubeconfig, no repositories, no registry auth.
        hh = workdir / "helm-home"
        for var, sub in (("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"),
                         ("HELM_DATA_HOME", "data")):
            os.environ[var] = str(hh / sub)
        os.environ["KUBECONFIG"] = str(hh / "no-kubeconfig")
        import helm_sdkpy
        self.h = helm_sdkpy
        self.cfg = helm_sdkpy.Configuration(namespace="default")
        self.version = f"{helm_sdkpy.get_version()}"

    def lint(self, path: str) -> dict:
        return asyncio.run(self.h.Lint(self.cfg).run(path))

    def show(self, path: str) -> tuple[str, str]:
        show = self.h.Show(self.cfg)
        return asyncio.run(show.chart(path)), asyncio.run(show.values(path))


def lint_info_hint(chart: str, where: str, chart_yaml: str | None) -> str:
    """Helm's two usual INFO findings, recognised from the chart since the text is dropped."""
    if where == "Chart.yaml":
        try:
            if chart_yaml is None:
                chart_yaml = Path(chart, "Chart.yaml").read_text(encoding="utf-8")
            if not (yaml.safe_load(chart_yaml) or {}).get("icon"):
                return "; probably Helm's 'icon is recommended'"
        except (OSError, yaml.YAMLError, AttributeError):
            pass
    if where == "values.yaml" and Path(chart).is_dir() and not Path(chart, "values.yaml").exists():
        return "; probably Helm's 'file does not exist' (no values.yaml)"
    return ""


def lint_report(helm: Helm, path: str, rep: Report, chart_yaml: str | None = None
                ) -> tuple[int, int, int]:
    """Lints one chart folder or archive; returns (errors, warnings, infos)."""
    try:
        res = helm.lint(path)
    except helm.h.HelmError as e:
        rep.error("helm", f"{path}: lint failed: {e}")
        return 1, 0, 0
    msgs = res.get("Messages") or []
    sev = collections.Counter(m.get("Severity", 0) for m in msgs)
    errors, warnings, infos = sev[3], sev[2] + sev[0], sev[1]
    extra = res.get("Errors") or []
    if not errors and extra:
        errors = len(extra)
    if not res.get("TotalChartsLinted"):
        rep.error("helm", f"{path}: Helm linted no chart in it")
        errors = max(errors, 1)
    for m in msgs:
        s = m.get("Severity", 0)
        err = m.get("Err")
        text = err if isinstance(err, str) and err else (
            json.dumps(err) if err else "(helm-sdkpy dropped the message text)")
        if not (isinstance(err, str) and err) and s == 1:
            text += lint_info_hint(path, m.get("Path") or "", chart_yaml)
        line = f"{path}: [{HELM_SEVERITY.get(s, s)}] {m.get('Path') or '(chart)'}: {text}"
        if s == 1:
            rep.info("helm", line)
        else:
            rep.error("helm", line)
    if not msgs:
        for e in extra:
            rep.error("helm", f"{path}: [ERROR] {e if isinstance(e, str) and e else '(message text dropped)'}")
    return errors, warnings, infos


def archive_layout(path: str, chart_name: str) -> list[str]:
    """What `helm package` writes: a gzipped tar whose entries are all under `<name>/`."""
    problems = []
    try:
        with tarfile.open(path, "r:gz") as t:
            members = t.getmembers()
    except (tarfile.TarError, OSError, EOFError) as e:
        return [f"not a gzipped tar archive: {e}"]
    names = [m.name for m in members]
    if f"{chart_name}/Chart.yaml" not in names:
        problems.append(f"no {chart_name}/Chart.yaml entry")
    outside = [n for n in names
               if n.startswith("/") or ".." in n.split("/") or not n.startswith(f"{chart_name}/")]
    if outside:
        listed = ", ".join(repr(n) for n in outside[:5]) + (", …" if len(outside) > 5 else "")
        problems.append(f"{len(outside)} entries not under {chart_name}/: {listed}")
    odd = [m.name for m in members if not (m.isfile() or m.isdir())]
    if odd:
        problems.append(f"entries that are neither file nor folder: {', '.join(map(repr, odd[:5]))}")
    return problems


def step_helm(charts: list[str], tgzs: list[str], pairs: list[tuple[str, str]], workdir: Path,
              rep: Report) -> None:
    helm = Helm(workdir)
    rep.info("helm", f"using {helm.version}")
    tot = collections.Counter()
    for c in charts:
        if not Path(c, "Chart.yaml").is_file():
            rep.error("helm", f"{c}: not a chart folder (no Chart.yaml)")
            tot["errors"] += 1
            continue
        e, w, i = lint_report(helm, c, rep)
        tot.update(errors=e, warnings=w, infos=i)
    loaded = 0
    shown: dict[str, tuple[str, str]] = {}
    for t in tgzs:
        if not Path(t).is_file():
            rep.error("helm", f"{t}: no such archive")
            continue
        try:
            chart_yaml, values_yaml = helm.show(t)
        except helm.h.HelmError as e:
            rep.error("helm", f"{t}: Helm cannot load the archive: {e}")
            continue
        shown[t] = (chart_yaml, values_yaml)
        name = (yaml.safe_load(chart_yaml) or {}).get("name", "")
        layout = archive_layout(t, name)
        for p in layout:
            rep.error("helm", f"{t}: {p} (`helm package` writes every entry under '<name>/')")
        e, w, i = lint_report(helm, t, rep, chart_yaml)
        tot.update(archive_errors=e, archive_warnings=w)
        if not e and not w and not layout:
            loaded += 1
    for chart_dir, tgz in pairs:
        if tgz not in shown or not Path(chart_dir, "Chart.yaml").is_file():
            continue
        try:
            d = helm.show(chart_dir)
        except helm.h.HelmError as e:
            rep.error("helm", f"{chart_dir}: Helm cannot load the folder: {e}")
            continue
        for what, a, b in (("Chart.yaml", d[0], shown[tgz][0]), ("values.yaml", d[1], shown[tgz][1])):
            if a != b:
                rep.error("helm", f"{tgz}: its {what} differs from the one in {chart_dir}")
    if tot["errors"] or tot["warnings"]:
        rep.info("helm", "helm-sdkpy often drops lint message text; run `helm lint --strict` on the "
                         "chart with a real helm binary to read the messages")
    rep.summary.append(
        f"helm: {len(charts)} charts linted ({tot['errors']} errors, {tot['warnings']} warnings, "
        f"{tot['infos']} info), {loaded}/{len(tgzs)} archives loaded and linted clean")


# --------------------------------------------------------------------------------------------
# step 3b: helm install against a recording fake API server
# --------------------------------------------------------------------------------------------

HOOK_ANNOTATIONS = ("helm.sh/hook", "helm.sh/hook-weight", "helm.sh/hook-delete-policy")
SEED_HOOK_EVENTS = ["post-install", "post-upgrade", "post-rollback"]
SEED_ORDER = ["admin", "oauth-clients"]  # the order napgen's seed hooks must run in
FAKE_REFUSAL = "napgen-conformance fake API server: creating objects is refused"
CORE_KINDS = {  # kind -> (group/version, namespaced); CRD kinds are added from the bundle
    "Namespace": ("v1", False), "Secret": ("v1", True), "ConfigMap": ("v1", True),
    "Service": ("v1", True), "ServiceAccount": ("v1", True), "Pod": ("v1", True),
    "PersistentVolumeClaim": ("v1", True),
    "Deployment": ("apps/v1", True), "StatefulSet": ("apps/v1", True), "DaemonSet": ("apps/v1", True),
    "Job": ("batch/v1", True), "CronJob": ("batch/v1", True),
    "PodDisruptionBudget": ("policy/v1", True),
    "NetworkPolicy": ("networking.k8s.io/v1", True), "Ingress": ("networking.k8s.io/v1", True),
    "Role": ("rbac.authorization.k8s.io/v1", True), "RoleBinding": ("rbac.authorization.k8s.io/v1", True),
    "ClusterRole": ("rbac.authorization.k8s.io/v1", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io/v1", False),
}


def plural(kind: str) -> str:
    k = kind.lower()
    if k.endswith("y"):
        return k[:-1] + "ies"
    return k + ("es" if k.endswith("s") else "s")


class FakeKubeAPI:
    """Just enough of a Kubernetes API server for `helm install` to run until it creates objects:
    version and discovery for the given kinds, nothing exists, and the one object it accepts is
    Helm's release record (a Secret `sh.helm.release.v1.*`), which it decodes and keeps. Every
    other create is refused with FAKE_REFUSAL, so Helm stops there and nothing is ever applied.
    Helm renders every template before it records the release, so a template that fails stops
    it before anything is recorded or created."""

    def __init__(self, kinds: dict[str, tuple[str, bool]]):
        import base64
        import gzip
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        self.releases: list[dict] = []
        self.creates: list[str] = []
        resources: dict[str, list[dict]] = collections.defaultdict(list)
        for kind, (gv, namespaced) in sorted(kinds.items()):
            resources[gv].append({"name": plural(kind), "singularName": kind.lower(), "kind": kind,
                                  "namespaced": namespaced,
                                  "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]})
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def reply(self, code: int, obj: dict) -> None:
                body = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def status(self, code: int, reason: str, message: str) -> None:
                self.reply(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                  "reason": reason, "code": code, "message": message})

            def body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                path = self.path.split("?")[0]
                if path == "/version":
                    return self.reply(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0",
                                            "platform": "linux/amd64"})
                if path == "/api":
                    return self.reply(200, {"kind": "APIVersions", "versions": ["v1"]})
                if path == "/apis":
                    groups = [{"name": gv.split("/")[0],
                               "versions": [{"groupVersion": gv, "version": gv.split("/")[1]}],
                               "preferredVersion": {"groupVersion": gv, "version": gv.split("/")[1]}}
                              for gv in sorted(resources) if "/" in gv]
                    return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
                for prefix in ("/api/", "/apis/"):
                    gv = path[len(prefix):]
                    if path.startswith(prefix) and gv in resources:
                        return self.reply(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                                "groupVersion": gv, "resources": resources[gv]})
                if path.endswith("/secrets"):  # Helm's release history: empty
                    return self.reply(200, {"kind": "SecretList", "apiVersion": "v1",
                                            "metadata": {}, "items": []})
                return self.status(404, "NotFound", "not found")

            def do_POST(self):
                body = self.body()
                path = self.path.split("?")[0]
                if path.endswith("/secrets") and b"sh.helm.release.v1." in body:
                    # The record is a Secret (protobuf on the wire) whose data.release is
                    # base64(gzip(JSON)); the base64 text starts with gzip's magic "H4sI".
                    name = re.search(rb"sh\.helm\.release\.v1\.[a-z0-9.-]+", body).group().decode()
                    encoded = re.search(rb"H4sI[A-Za-z0-9+/=]+", body).group()
                    api.releases.append(json.loads(gzip.decompress(base64.b64decode(encoded))))
                    return self.reply(201, {"kind": "Secret", "apiVersion": "v1",
                                            "metadata": {"name": name, "resourceVersion": "1"}})
                api.creates.append(path)
                return self.status(500, "InternalError", FAKE_REFUSAL)

            def do_PUT(self):  # Helm marking the release failed
                self.body()
                return self.reply(200, {"kind": "Secret", "apiVersion": "v1",
                                        "metadata": {"name": self.path.split("?")[0].rsplit("/", 1)[-1],
                                                     "resourceVersion": "2"}})

            def do_PATCH(self):
                self.body()
                api.creates.append(self.path.split("?")[0])
                return self.status(500, "InternalError", FAKE_REFUSAL)

            def do_DELETE(self):
                return self.status(404, "NotFound", "not found")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def kubeconfig(self, path: Path, namespace: str) -> str:
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{self.server.server_port}"}}],
            "users": [{"name": "fake", "user": {"token": "fake"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": namespace}}],
            "current-context": "fake"}))
        return str(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def helm_install(helm: Helm, chart: str, release: str, namespace: str, kinds: dict, workdir: Path,
                 values: dict | None = None):
    """`helm install` against a fresh FakeKubeAPI: (error text or None, release record or None,
    paths Helm tried to create objects at)."""
    api = FakeKubeAPI(kinds)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        kc = api.kubeconfig(workdir / f"kubeconfig-{len(list(workdir.iterdir()))}", namespace)
        cfg = helm.h.Configuration(namespace=namespace, kubeconfig=kc)
        error = None
        try:
            asyncio.run(helm.h.Install(cfg).run(release, chart, values=values, wait=False, timeout=60))
        except helm.h.HelmError as e:
            error = str(e)
        return error, (api.releases[0] if api.releases else None), api.creates
    finally:
        api.close()


def release_objects(release: dict) -> tuple[list[dict], list[dict]]:
    """The objects of a release record: (manifest objects, hook objects)."""
    objs = [d for d in yaml.load_all(release.get("manifest") or "", Loader=StrictLoader) if d]
    hooks = [yaml.load(h["manifest"], Loader=StrictLoader) for h in release.get("hooks") or []]
    return objs, hooks


def without_seed_hash(doc: dict) -> dict:
    """A bundle object as the chart holds it: a seed Job's `nap-seed-<task>-<hash>` name becomes
    the pages' `nap-seed-<task>` (Helm deletes the previous run itself, so the chart needs no hash)."""
    md = doc.get("metadata") or {}
    if doc.get("kind") == "Job" and (md.get("labels") or {}).get("app.kubernetes.io/component") == "seed":
        doc = copy.deepcopy(doc)
        doc["metadata"]["name"] = re.sub(r"-[0-9a-f]{8}$", "", md["name"])
    return doc


def canonical(objs: list[dict]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objs)


def step_helm_install(installs: list[tuple[str, str, str]], workdir: Path, rep: Report) -> None:
    """installs: (case, bundle file, chart folder)."""
    helm = Helm(workdir)
    ok = 0
    for case, bundle, chart in installs:
        before = len(rep.errors)
        try:
            docs = [d for d in yaml.load_all(Path(bundle).read_text(encoding="utf-8"), Loader=StrictLoader) if d]
        except (OSError, yaml.YAMLError) as e:
            rep.error("helm-install", f"{case}: cannot read the bundle {bundle}: {short(e)}")
            continue
        # The release namespace is the control plane's; other namespaces (coturn's) stay in the chart.
        namespaces = {d["metadata"]["name"] for d in docs if d.get("kind") == "Namespace"}
        ns = next((d["metadata"].get("namespace") for d in docs
                   if d.get("kind") == "Deployment" and d["metadata"].get("name") == "nap-control-plane"), None)
        if ns not in namespaces:
            rep.error("helm-install", f"{case}: the bundle holds no Namespace object for the control plane's namespace {ns!r}")
            continue
        kinds = dict(CORE_KINDS)
        for d in docs:
            kinds.setdefault(d["kind"], (d["apiVersion"], bool((d.get("metadata") or {}).get("namespace"))))
        where = workdir / "helm-install" / case

        # 1. the right namespace: Helm renders, records the release, then tries to create objects
        error, release, creates = helm_install(helm, chart, "nap", ns, kinds, where)
        if release is None or not error or FAKE_REFUSAL not in error:
            rep.error("helm-install", f"{case}: helm install -n {ns} did not get as far as creating objects: "
                                      f"{short(error or 'no error and no release record', 600)}")
            continue
        objs, hooks = release_objects(release)
        for h in hooks:
            md = h.get("metadata") or {}
            ann = md.get("annotations") or {}
            name = md.get("name", "")
            task = next((t for t in SEED_ORDER if name == f"nap-seed-{t}"), None)
            if h.get("kind") != "Job" or task is None:
                rep.error("helm-install", f"{case}: hook {h.get('kind')}/{name} is not a seed Job")
            if (ann.get("helm.sh/hook") or "").split(",") != SEED_HOOK_EVENTS:
                rep.error("helm-install", f"{case}: hook {name}: helm.sh/hook is {ann.get('helm.sh/hook')!r}")
            if ann.get("helm.sh/hook-delete-policy") != "before-hook-creation":
                rep.error("helm-install", f"{case}: hook {name}: delete policy {ann.get('helm.sh/hook-delete-policy')!r}")
            if task is not None and ann.get("helm.sh/hook-weight") != str(SEED_ORDER.index(task) * 10):
                rep.error("helm-install", f"{case}: hook {name}: weight {ann.get('helm.sh/hook-weight')!r}")
            for k in HOOK_ANNOTATIONS:
                ann.pop(k, None)
            if "annotations" in md and not ann:
                del md["annotations"]
        want = canonical([without_seed_hash(d) for d in docs
                          if not (d.get("kind") == "Namespace" and d["metadata"]["name"] == ns)])
        got = canonical(objs + hooks)
        if got != want:
            missing = [json.loads(x) for x in sorted(set(want) - set(got))]
            extra = [json.loads(x) for x in sorted(set(got) - set(want))]
            ids = lambda xs: ", ".join(f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in xs[:6])
            rep.error("helm-install", f"{case}: the objects Helm would create differ from the bundle's "
                                      f"(beyond the documented differences): missing or changed: {ids(missing) or '-'}; "
                                      f"extra or changed: {ids(extra) or '-'}")

        # 2. another namespace: refused while rendering, nothing created, no release record
        other = "conformance-other" if ns != "conformance-other" else "conformance-other2"
        error, release, creates = helm_install(helm, chart, "nap", other, kinds, where)
        if not error or f'"{ns}"' not in error or release is not None or creates:
            rep.error("helm-install", f"{case}: helm install -n {other} was not refused before creating "
                                      f"anything: {short(error or 'no error', 400)}")

        # 3. a value changed with --set: refused, naming the key
        error, release, creates = helm_install(helm, chart, "nap", ns, kinds, where,
                                               values={"TOS_HOST": "changed.example.org"})
        if not error or "TOS_HOST" not in error or release is not None or creates:
            rep.error("helm-install", f"{case}: --set TOS_HOST=... was not refused before creating "
                                      f"anything: {short(error or 'no error', 400)}")
        if len(rep.errors) == before:
            ok += 1
    rep.summary.append(f"helm-install: {ok}/{len(installs)} charts installed by Helm as their bundles "
                       "(namespace and value guards hold)"
                       + ("" if not rep.count("helm-install") else f", {rep.count('helm-install')} errors"))


# --------------------------------------------------------------------------------------------
# step 3c: the real helm and kubectl binaries
# --------------------------------------------------------------------------------------------

# What `helm template` / `helm install --dry-run` / `kubectl kustomize` may legitimately change,
# checked strictly by step_helm_cli (everything else must be equal, field by field):
#   * helm: the chart has no Namespace object for the release namespace (Helm needs it to exist
#     before the install); the seed Jobs carry exactly the hook annotations HOOK_ANNOTATIONS
#     (events SEED_HOOK_EVENTS, weights by SEED_ORDER, delete policy before-hook-creation), and
#     Helm prints hooks after the other objects; the chart names the seed Jobs nap-seed-<task> as
#     the platform's pages do, where the bundle adds a hash (without_seed_hash). Every other name,
#     the labels and every other field are the bundle's: Helm adds no labels or annotations of its
#     own to objects it renders.
#   * kustomize: the same objects, in kustomize's own kind order (its legacy sort), not the
#     bundle's order.
HELM_RELEASE = "nap"


class HelmCli:
    """The helm and kubectl binaries the wrapper installs into the venv (checked by sha256)."""

    def __init__(self, workdir: Path):
        bindir = Path(sys.executable).parent
        self.helm = str(bindir / "helm")
        self.kubectl = str(bindir / "kubectl")
        for exe in (self.helm, self.kubectl):
            if not os.access(exe, os.X_OK):
                raise SetupError(f"{exe} is missing: run through scripts/conformance, which installs it")
        hh = workdir / "helm-cli-home"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(hh),
                    "HELM_CACHE_HOME": str(hh / "cache"), "HELM_CONFIG_HOME": str(hh / "config"),
                    "HELM_DATA_HOME": str(hh / "data"), "KUBECONFIG": str(hh / "no-kubeconfig")}

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), capture_output=True, text=True, stdin=subprocess.DEVNULL,
                              env={**self.env, **(env or {})}, timeout=300)

    def version(self) -> str:
        h = self.run(self.helm, "version", "--short").stdout.strip()
        k = self.run(self.kubectl, "version", "--client").stdout.split("\n")[0].strip()
        return f"helm {h}, kubectl {k}"


def load_docs(text: str) -> list[dict]:
    return [d for d in yaml.load_all(text, Loader=StrictLoader) if d]


def obj_key(o: dict) -> str:
    md = o.get("metadata") or {}
    ns = md.get("namespace")
    return f"{o.get('kind')}/{ns + '/' if ns else ''}{md.get('name')}"


def first_difference(a, b, path: str = "") -> str:
    """The first field where two objects differ, as `path: want -> got`."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in b:
                return f"{path}.{k}: missing (want {short(json.dumps(a[k]), 120)})"
            if k not in a:
                return f"{path}.{k}: unexpected ({short(json.dumps(b[k]), 120)})"
            if a[k] != b[k]:
                return first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path or '(object)'}: want {short(json.dumps(a), 150)}, got {short(json.dumps(b), 150)}"


def compare_objects(want: list[dict], got: list[dict], what: str) -> list[str]:
    """Object by object (by kind/namespace/name): missing, extra and changed objects."""
    problems = []
    w = collections.defaultdict(list)
    g = collections.defaultdict(list)
    for o in want:
        w[obj_key(o)].append(o)
    for o in got:
        g[obj_key(o)].append(o)
    for k in sorted(set(w) | set(g)):
        if len(w[k]) != len(g[k]):
            problems.append(f"{what}: {k}: {len(w[k])} in the bundle, {len(g[k])} from the tool")
        elif w[k] != g[k]:
            for a, b in zip(w[k], g[k]):
                if a != b:
                    problems.append(f"{what}: {k} differs at {first_difference(a, b)}")
    return problems


def strip_seed_hooks(objs: list[dict], hooks_expected: bool) -> tuple[list[dict], list[str]]:
    """Removes the seed Jobs' hook annotations after checking them; returns (objects, problems).
    Any other object with a helm.sh/hook annotation is a problem."""
    out, problems = [], []
    for o in objs:
        o = copy.deepcopy(o)
        md = o.get("metadata") or {}
        ann = md.get("annotations") or {}
        if not any(k in ann for k in HOOK_ANNOTATIONS):
            out.append(o)
            continue
        name = md.get("name", "")
        task = next((t for t in SEED_ORDER if name == f"nap-seed-{t}"), None)
        if not hooks_expected or o.get("kind") != "Job" or task is None:
            problems.append(f"{obj_key(o)} is a hook but not a seed Job")
        else:
            want = {"helm.sh/hook": ",".join(SEED_HOOK_EVENTS),
                    "helm.sh/hook-delete-policy": "before-hook-creation",
                    "helm.sh/hook-weight": str(SEED_ORDER.index(task) * 10)}
            got = {k: ann.get(k) for k in HOOK_ANNOTATIONS}
            if got != want:
                problems.append(f"{obj_key(o)}: hook annotations {got}, expected {want}")
        for k in HOOK_ANNOTATIONS:
            ann.pop(k, None)
        if "annotations" in md and not ann:
            del md["annotations"]
        out.append(o)
    return out, problems


def kind_order(objs: list[dict]) -> list[str]:
    """The sequence of kinds, consecutive repeats collapsed."""
    out: list[str] = []
    for o in objs:
        if not out or out[-1] != o.get("kind"):
            out.append(o.get("kind"))
    return out


def check_helm_output(case: str, what: str, text: str, bundle: list[dict], ns: str) -> list[str]:
    """Helm's rendered objects against the bundle (see the documented differences above)."""
    try:
        got = load_docs(text)
    except yaml.YAMLError as e:
        return [f"{what}: Helm's output is not valid YAML: {short(e, 300)}"]
    got, problems = strip_seed_hooks(got, hooks_expected=True)
    problems = [f"{what}: {p}" for p in problems]
    want = [without_seed_hash(d) for d in bundle
            if not (d.get("kind") == "Namespace" and d["metadata"]["name"] == ns)]
    problems += compare_objects(want, got, what)
    hook = lambda o: o.get("kind") == "Job" and o["metadata"].get("name", "").startswith("nap-seed-")
    if not problems and kind_order([o for o in want if not hook(o)]) != kind_order([o for o in got if not hook(o)]):
        problems.append(f"{what}: objects are not in the bundle's kind order: bundle "
                        f"{kind_order(want)}, Helm {kind_order(got)}")
    return problems


def dry_run_objects(stdout: str) -> str:
    """The HOOKS and MANIFEST sections of `helm install --dry-run` output, as one YAML stream."""
    m = re.search(r"^HOOKS:\n(.*?)^MANIFEST:\n(.*?)(?=^NOTES:\n|\Z)", stdout, re.S | re.M)
    if not m:
        raise ValueError("no HOOKS:/MANIFEST: sections in the output")
    return m.group(1) + "\n---\n" + m.group(2)


def check_profile_with_cli(cli: HelmCli, p: dict) -> list[str]:
    """p: case, bundle (file), optionally ns, chart (folder), tgz (file), split (folder)."""
    case = p["case"]
    problems: list[str] = []
    try:
        bundle = load_docs(Path(p["bundle"]).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        return [f"{case}: cannot read the bundle {p['bundle']}: {short(e)}"]
    # The release namespace: the control plane's (coturn's namespace stays in the chart).
    ns = p.get("ns") or next((d["metadata"].get("namespace") for d in bundle
                              if d.get("kind") == "Deployment"
                              and d["metadata"].get("name") == "nap-control-plane"), None)
    if not ns:
        return [f"{case}: the bundle has no nap-control-plane Deployment to take the namespace from"]

    def failed(args: list[str], proc) -> str:
        # helm lint prints its findings on stdout and only a count on stderr
        findings = [ln for ln in proc.stdout.splitlines() if re.match(r"\[(WARNING|ERROR)\]", ln)]
        detail = " ".join(findings + [proc.stderr or ("" if findings else proc.stdout)])
        return (f"`{' '.join(['helm' if args[0] == cli.helm else 'kubectl', *args[1:]])}` exited "
                f"{proc.returncode}: {short(detail, 800)}")

    for label in ("chart", "tgz"):
        chart = p.get(label)
        if not chart:
            continue
        args = [cli.helm, "lint", "--strict", "-n", ns, chart]
        proc = cli.run(*args)
        if proc.returncode != 0:
            problems.append(f"{case}: {failed(args, proc)}")
        else:
            findings = [ln for ln in proc.stdout.splitlines() if re.match(r"\[(WARNING|ERROR)\]", ln)]
            problems += [f"{case}: helm lint --strict {chart}: {ln}" for ln in findings]
        args = [cli.helm, "template", HELM_RELEASE, chart, "-n", ns]
        proc = cli.run(*args)
        if proc.returncode != 0:
            problems.append(f"{case}: {failed(args, proc)}")
        else:
            problems += [f"{case}: {x}" for x in
                         check_helm_output(case, f"helm template {label}", proc.stdout, bundle, ns)]
    if p.get("chart"):
        args = [cli.helm, "install", HELM_RELEASE, p["chart"], "-n", ns, "--dry-run=client"]
        proc = cli.run(*args)
        if proc.returncode != 0:
            problems.append(f"{case}: {failed(args, proc)}")
        else:
            try:
                text = dry_run_objects(proc.stdout)
                problems += [f"{case}: {x}" for x in
                             check_helm_output(case, "helm install --dry-run=client", text, bundle, ns)]
            except ValueError as e:
                problems.append(f"{case}: helm install --dry-run=client: {e}")
    if p.get("split"):
        args = [cli.kubectl, "kustomize", p["split"]]
        proc = cli.run(*args)
        if proc.returncode != 0:
            problems.append(f"{case}: {failed(args, proc)}")
        else:
            try:
                got = load_docs(proc.stdout)
                problems += [f"{case}: {x}" for x in compare_objects(bundle, got, "kubectl kustomize --split folder")]
            except yaml.YAMLError as e:
                problems.append(f"{case}: kubectl kustomize output is not valid YAML: {short(e, 300)}")
    return problems


def step_helm_cli(profiles: list[dict], workdir: Path, rep: Report) -> None:
    cli = HelmCli(workdir)
    rep.info("helm-cli", f"using {cli.version()}")
    ok = 0
    for p in profiles:
        problems = check_profile_with_cli(cli, p)
        for msg in problems:
            rep.error("helm-cli", msg)
        ok += not problems
    rep.summary.append(
        f"helm-cli: {ok}/{len(profiles)} profiles: helm lint --strict (folder, archive), helm template "
        "and helm install --dry-run=client equal to the bundle, kubectl kustomize of --split equal to "
        "the bundle" + ("" if not rep.count("helm-cli") else f", {rep.count('helm-cli')} errors"))


# --------------------------------------------------------------------------------------------
# default mode: render with napgen
# --------------------------------------------------------------------------------------------

def render_all(napgen: str, workdir: Path, rep: Report):
    exe = Path(napgen)
    if not exe.is_absolute():
        exe = REPO_ROOT / exe
    if not exe.is_file() or not os.access(exe, os.X_OK):
        raise SetupError(f"napgen binary not found at {exe}: build it (cargo build --release) "
                         "or pass --napgen PATH")
    cases = sorted((REPO_ROOT / "values").glob("*.env"))
    if not cases:
        raise SetupError(f"no values files {REPO_ROOT / 'values'}/*.env to render")
    out = workdir / "rendered"
    out.mkdir()

    def run(args: list[str], what: str, cwd: Path = REPO_ROOT) -> bool:
        p = subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            rep.error("napgen", f"{what}: `napgen {' '.join(args)}` exited {p.returncode}: "
                                f"{short(p.stderr or p.stdout, 800)}")
            return False
        return True

    has_chart = subprocess.run([str(exe), "chart", "--help"], cwd=REPO_ROOT, capture_output=True,
                               stdin=subprocess.DEVNULL).returncode == 0
    bundles, charts, tgzs, pairs, installs, profiles = [], [], [], [], [], []
    for env in cases:
        case = env.stem
        rel = os.path.relpath(env, REPO_ROOT)
        b = out / f"{case}.yaml"
        if run(["render", "-f", rel, "-o", str(b)], case):
            if b.is_file():
                bundles.append(str(b))
            else:
                rep.error("napgen", f"{case}: render exited 0 but wrote no {b}")
        if has_chart:
            c, t = out / f"{case}-chart", out / f"{case}.tgz"
            if run(["chart", "-f", rel, "-o", str(c)], case):
                charts.append(str(c))
            if run(["chart", "-f", rel, "--tgz", str(t)], case):
                tgzs.append(str(t))
            pairs.append((str(c), str(t)))
            if b.is_file() and c.is_dir():
                installs.append((case, str(b), str(c)))
        s = out / f"{case}-split"
        if run(["render", "-f", rel, "--split", str(s)], case) and b.is_file():
            profiles.append({"case": case, "bundle": str(b), "split": str(s),
                             **({"chart": str(c), "tgz": str(t)} if has_chart else {})})
    if has_chart:
        # Values Helm's template engine would act on, if a chart ever let it see them, on top of
        # napgen's embedded defaults (run where there is no values.env).
        sets = ["--set", "LDAP_ENABLED=true", "--set", "LDAP_URL=ldaps://ldap.example.com",
                "--set", "LDAP_BIND_DN=cn={{ .Release.Name }},dc=example,dc=com",
                "--set", 'LDAP_USER_BASE_DN={{ include "x" . }}',
                "--set", 'LDAP_USER_FILTER=(uid={{ .Values.x }}){{- fail "templated" -}}',
                # a document separator inside a value must not split Helm's manifest
                "--set", "LDAP_CA_CERT=-----BEGIN CERTIFICATE-----\n---\nkind: Secret\n---\n-----END CERTIFICATE-----"]
        b, c = out / "template-like.yaml", out / "template-like-chart"
        t, s = out / "template-like.tgz", out / "template-like-split"
        if (run(["render", *sets, "-o", str(b)], "template-like", cwd=out)
                and run(["chart", *sets, "-o", str(c)], "template-like", cwd=out)):
            installs.append(("template-like", str(b), str(c)))
            # The same through the real helm binary: `helm template` must leave {{ }} alone.
            if (run(["chart", *sets, "--tgz", str(t)], "template-like", cwd=out)
                    and run(["render", *sets, "--split", str(s)], "template-like", cwd=out)):
                profiles.append({"case": "template-like", "bundle": str(b), "chart": str(c),
                                 "tgz": str(t), "split": str(s)})
    # GitOps: the all-modules profile for each controller, and the Argo CD plugin's ConfigMap
    # go through every bundle check; the plugin file and the repo-server patch get their own.
    gitops_case = REPO_ROOT / "values" / "all-modules.env"
    if gitops_case.is_file():
        rel = os.path.relpath(gitops_case, REPO_ROOT)
        for tool in ("argocd", "flux"):
            b = out / f"all-modules-for-{tool}.yaml"
            if run(["render", "-f", rel, "--for", tool, "-o", str(b)], f"all-modules --for {tool}"):
                bundles.append(str(b))
    argocd: dict = {}
    has_plugin = subprocess.run([str(exe), "argocd-plugin", "--help"], cwd=REPO_ROOT, capture_output=True,
                                stdin=subprocess.DEVNULL).returncode == 0
    if has_plugin:
        for part, args in (("plugin", []), ("config-map", ["--config-map"]),
                           ("sidecar", ["--sidecar", "registry.example.com/tools/napgen:0.1.0"])):
            p = subprocess.run([str(exe), "argocd-plugin", *args], cwd=REPO_ROOT, capture_output=True,
                               text=True, stdin=subprocess.DEVNULL)
            if p.returncode != 0:
                rep.error("napgen", f"argocd-plugin {' '.join(args)} exited {p.returncode}: {short(p.stderr, 800)}")
                continue
            f = out / f"argocd-{part}.yaml"
            f.write_text(p.stdout)
            argocd[part] = str(f)
        if "config-map" in argocd:
            bundles.append(argocd["config-map"])
    rep.info("napgen", f"rendered {len(cases)} values files ({', '.join(e.stem for e in cases)}) into {out}")
    return bundles, charts, tgzs, pairs, installs, profiles, has_chart, argocd


def step_argocd_plugin(argocd: dict, workdir: Path, rep: Report) -> None:
    """`napgen argocd-plugin`: plugin.yaml against Argo CD's documented plugin fields
    (scripts/argocd-cmp-plugin.schema.json); the sidecar patch merged by the real kubectl's
    kustomize (a strategic merge, as `kubectl patch` does) into a minimal argocd-repo-server
    (scripts/testdata/argocd) and the result validated strictly like every object, with every
    volume mount naming a volume of the pod."""
    import jsonschema
    step = "argocd-plugin"
    if "plugin" in argocd:
        schema = json.loads((REPO_ROOT / "scripts" / "argocd-cmp-plugin.schema.json").read_text())
        docs = load_docs(Path(argocd["plugin"]).read_text())
        if len(docs) != 1:
            rep.error(step, f"plugin.yaml: {len(docs)} documents, want 1")
        for d in docs:
            for e in jsonschema.Draft202012Validator(schema).iter_errors(d):
                rep.error(step, f"plugin.yaml: {json_path(e.absolute_path)}: {schema_error_text(e)}")
    if "sidecar" in argocd:
        cli = HelmCli(workdir)
        kdir = workdir / "argocd-repo-server"
        kdir.mkdir()
        shutil.copy(REPO_ROOT / "scripts" / "testdata" / "argocd" / "repo-server.yaml", kdir / "repo-server.yaml")
        shutil.copy(argocd["sidecar"], kdir / "patch.yaml")
        (kdir / "kustomization.yaml").write_text(
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
            "resources:\n  - repo-server.yaml\npatches:\n  - path: patch.yaml\n")
        p = cli.run(cli.kubectl, "kustomize", str(kdir))
        if p.returncode != 0:
            rep.error(step, f"kubectl kustomize of the sidecar patch failed: {short(p.stderr, 800)}")
        else:
            merged = load_docs(p.stdout)
            kv = K8sValidator()
            for d in merged:
                for v in k8s_versions():
                    for path, msg in kv.validate(d, v) or []:
                        rep.error(step, f"patched argocd-repo-server: {path}: {msg} [k8s {v}]")
                spec = d["spec"]["template"]["spec"]
                volumes = {x["name"] for x in spec.get("volumes", [])}
                names = [c["name"] for c in spec.get("containers", [])]
                if sorted(names) != ["argocd-repo-server", "napgen"]:
                    rep.error(step, f"patched argocd-repo-server: containers {names}, want the repo-server and napgen")
                for c in spec.get("containers", []) + spec.get("initContainers", []):
                    for m in c.get("volumeMounts", []):
                        if m["name"] not in volumes:
                            rep.error(step, f"patched argocd-repo-server: {c['name']} mounts {m['name']}, which is no volume")
    n = rep.count(step)
    rep.summary.append(f"argocd-plugin: plugin.yaml against Argo CD's fields, the repo-server patch merged "
                       f"by kubectl kustomize and validated strictly {'OK' if n == 0 else f'{n} errors'}")


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------

def run_checks(bundles, charts, tgzs, pairs, schemas_dir: Path, workdir: Path, rep: Report,
               helm_skip_reason: str | None = None, installs=(), profiles=()) -> None:
    t0 = time.monotonic()
    timings = []
    ck = None
    if bundles:
        objs, ok_files = parse_bundles(bundles, rep)
        timings.append(("parse", time.monotonic() - t0))
        ck = checkov_start(ok_files, workdir) if ok_files else None
        t = time.monotonic()
        step_validate(objs, schemas_dir, rep)
        timings.append(("validate", time.monotonic() - t))
    else:
        rep.summary.append("bundles: none given (parse, kubernetes-validate, crd, checkov not run)")
    t = time.monotonic()
    if charts or tgzs:
        step_helm(charts, tgzs, pairs, workdir, rep)
    elif helm_skip_reason:
        rep.summary.append(f"helm: SKIPPED — {helm_skip_reason}")
    else:
        rep.summary.append("helm: no charts given")
    if installs:
        step_helm_install(list(installs), workdir, rep)
    timings.append(("helm", time.monotonic() - t))
    t = time.monotonic()
    if profiles:
        step_helm_cli(list(profiles), workdir, rep)
        timings.append(("helm-cli", time.monotonic() - t))
    t = time.monotonic()
    if ck:
        checkov_finish(ck, ok_files, objs, rep)
    elif bundles:
        rep.summary.append("checkov: no readable bundle to scan")
    timings.append(("checkov (rest)", time.monotonic() - t))
    rep.info("time", ", ".join(f"{n} {s:.1f}s" for n, s in timings))


def self_test_helm_cli(tmpd: Path) -> list[str]:
    """The real-binary checks on a demo profile made on the fly: it passes as made, and each
    deliberate fault (a changed bundle value, a file left out of the kustomization, a chart that
    templates a value, a broken template, a non-seed hook) is reported."""
    failures = []
    cli = HelmCli(tmpd)
    base = tmpd / "cli"
    base.mkdir()
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}

    def configmap(greeting: str) -> dict:
        return {"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": f"{HELM_RELEASE}-demo", "namespace": "demo"},
                "data": {"greeting": greeting}}

    def profile(name: str, greeting: str = "hello", chart: str | Path = TESTDATA / "chart",
                tgz: str | Path | None = TESTDATA / "demo-0.1.0.tgz", listed: int = 2) -> dict:
        d = base / name
        split = d / "split"
        split.mkdir(parents=True)
        objs = [namespace, configmap(greeting)]
        (d / "bundle.yaml").write_text(yaml.safe_dump_all(objs))
        files = []
        for i, o in enumerate(objs, 1):
            f = f"{i:02d}-{o['kind'].lower()}.yaml"
            (split / f).write_text(yaml.safe_dump(o))
            files.append(f)
        (split / "kustomization.yaml").write_text(yaml.safe_dump(
            {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
             "resources": files[:listed]}))
        p = {"case": name, "ns": "demo", "bundle": str(d / "bundle.yaml"), "chart": str(chart),
             "split": str(split)}
        if tgz:
            p["tgz"] = str(tgz)
        return p

    def chart_variant(name: str, template: str, values: str = "greeting: hello\n") -> Path:
        c = base / f"{name}-chart"
        shutil.copytree(TESTDATA / "chart", c)
        (c / "templates" / "configmap.yaml").write_text(template)
        (c / "values.yaml").write_text(values)
        return c

    good = check_profile_with_cli(cli, profile("good"))
    if good:
        failures.append(f"helm-cli: the demo profile must pass, got: {good}")
    templating = chart_variant("templating", (TESTDATA / "chart/templates/configmap.yaml").read_text()
                               .replace(".Values.greeting | quote", "tpl .Values.greeting . | quote"),
                               'greeting: "{{ .Release.Name }}"\n')
    non_seed_hook = chart_variant("hook", (TESTDATA / "chart/templates/configmap.yaml").read_text()
                                  .replace("metadata:\n", "metadata:\n  annotations:\n"
                                           "    helm.sh/hook: pre-install\n", 1))
    broken = chart_variant("broken", "x: {{ .Values.nope | quote\n")
    cases = [
        (profile("changed-value", greeting="bye"),
         "helm template chart: ConfigMap/demo/nap-demo differs at .data.greeting"),
        (profile("changed-value-archive", greeting="bye"),
         "helm template tgz: ConfigMap/demo/nap-demo differs at .data.greeting"),
        (profile("changed-value-dry-run", greeting="bye"),
         "helm install --dry-run=client: ConfigMap/demo/nap-demo differs at .data.greeting"),
        (profile("split-missing-file", listed=1),
         "kubectl kustomize --split folder: ConfigMap/demo/nap-demo: 1 in the bundle, 0 from the tool"),
        (profile("templated-braces", greeting="{{ .Release.Name }}", chart=templating, tgz=None),
         "helm template chart: ConfigMap/demo/nap-demo differs at .data.greeting"),
        (profile("broken-template", chart=broken, tgz=None), "`helm lint --strict -n demo"),
        (profile("non-seed-hook", chart=non_seed_hook, tgz=None),
         "ConfigMap/demo/nap-demo is a hook but not a seed Job"),
    ]
    print("self-test: helm-cli errors reported for the deliberately wrong profiles (as expected):")
    for p, needle in cases:
        got = check_profile_with_cli(cli, p)
        hit = [m for m in got if needle in m]
        if not hit:
            failures.append(f"helm-cli: {p['case']}: expected an error containing {needle!r}, got {got}")
        else:
            print(f"  helm-cli: {short(hit[0], 200)}")
    return failures


def self_test(schemas_dir: Path) -> int:
    """Runs the checker on scripts/testdata and asserts what it must find."""
    good = str(TESTDATA / "good.yaml")
    bad = str(TESTDATA / "bad.yaml")
    chart = str(TESTDATA / "chart")
    tgz = str(TESTDATA / "demo-0.1.0.tgz")
    failures = []
    with tempfile.TemporaryDirectory(prefix="conformance-selftest-") as tmp:
        tmpd = Path(tmp)
        rep = Report(quiet=True)
        (tmpd / "g").mkdir()
        run_checks([good], [chart], [tgz], [(chart, tgz)], schemas_dir, tmpd / "g", rep)
        for step, msg in rep.errors:
            failures.append(f"good fixtures must pass, got: {step}: {msg}")
        # the fake API server lets Helm render and record the release, and nothing else
        error, release, creates = helm_install(
            Helm(tmpd / "g"), chart, "demo", "demo", dict(CORE_KINDS), tmpd / "fake",
            values={"greeting": "{{ .Values.x }}"})
        objs = release_objects(release)[0] if release else []
        expected = [{"apiVersion": "v1", "kind": "ConfigMap",
                     "metadata": {"name": "demo-demo", "namespace": "demo"},
                     "data": {"greeting": "{{ .Values.x }}"}}]
        if not error or FAKE_REFUSAL not in error or objs != expected or not creates:
            failures.append(f"helm install against the fake API server: expected {expected} and a "
                            f"refused create, got {objs} and {short(error or 'no error', 300)}")
        # bad fixtures, plus a broken chart and a non-archive made on the fly
        bad_chart = tmpd / "badchart"
        shutil.copytree(chart, bad_chart)
        (bad_chart / "templates" / "broken.yaml").write_text("x: {{ .Values.nope | quote\n")
        junk = tmpd / "junk.tgz"
        junk.write_bytes(b"not a tar\n")
        rep = Report(quiet=True)
        (tmpd / "b").mkdir()
        run_checks([bad], [str(bad_chart)], [str(junk)], [], schemas_dir, tmpd / "b", rep)
        expect = [
            ("kubernetes-validate", "Deployment/demo/unknown-field", "'imagePullPolicyy' was unexpected"),
            ("crd", "Cluster/demo/db", "'instancesCount' was unexpected"),
            ("crd", "Widget/demo/w", "no CRD for group example.com kind Widget"),
            ("checkov", "CKV_K8S_16", "Pod.demo.privileged"),
            ("helm", "badchart", "[ERROR]"),
            ("helm", "junk.tgz", "cannot load"),
        ]
        for step, *needles in expect:
            if not any(s == step and all(n in m for n in needles) for s, m in rep.errors):
                failures.append(f"bad fixtures: expected a {step} error containing {needles}")
        print("self-test: errors reported for the bad fixtures (as expected):")
        ck = [m for s, m in rep.errors if s == "checkov"]
        for s, m in rep.errors:
            if s != "checkov" or "CKV_K8S_16" in m:
                print(f"  {s}: {short(m, 200)}")
        print(f"  checkov: … {len(ck)} failed checks in all")
        failures += self_test_helm_cli(tmpd)
    for f in failures:
        print(f"SELF-TEST FAILED: {f}")
    print("self-test: " + ("OK" if not failures else f"{len(failures)} failures"))
    return 0 if not failures else 1


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="scripts/conformance",
        description="Offline conformance checks (kubernetes-validate, CRD schemas, checkov, helm, "
                    "kubectl) "
                    "for napgen's bundles and charts.")
    ap.add_argument("--napgen", default="target/release/napgen",
                    help="napgen binary used to render values/*.env (default: %(default)s)")
    ap.add_argument("--bundle", nargs="+", action="extend", default=[], metavar="FILE",
                    help="check these bundle files instead of rendering")
    ap.add_argument("--chart", nargs="+", action="extend", default=[], metavar="DIR",
                    help="check these chart folders instead of rendering")
    ap.add_argument("--tgz", nargs="+", action="extend", default=[], metavar="FILE",
                    help="check these chart archives instead of rendering")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (rendered output)")
    ap.add_argument("--self-test", action="store_true",
                    help="prove the checker itself on scripts/testdata (good must pass, bad must fail)")
    args = ap.parse_args(argv)
    schemas_dir = Path(os.environ.get("NAPGEN_SCHEMAS") or (REPO_ROOT.parent / "shared" / "schemas"))
    if not schemas_dir.is_absolute():
        schemas_dir = REPO_ROOT / schemas_dir
    schemas_dir = schemas_dir.resolve()

    start = time.monotonic()
    if args.self_test:
        return self_test(schemas_dir)
    rep = Report()
    rendered = False
    workdir = Path(tempfile.mkdtemp(prefix="napgen-conformance-"))
    try:
        helm_skip = None
        installs, profiles, argocd = [], [], {}
        if args.bundle or args.chart or args.tgz:
            bundles, charts, tgzs, pairs = args.bundle, args.chart, args.tgz, []
        else:
            rendered = True
            bundles, charts, tgzs, pairs, installs, profiles, has_chart, argocd = render_all(args.napgen, workdir, rep)
            rep.summary.append(f"napgen: {len(bundles)} bundles, {len(charts)} chart folders, "
                               f"{len(tgzs)} archives rendered"
                               + ("" if not rep.count("napgen") else f", {rep.count('napgen')} errors"))
            if not has_chart:
                helm_skip = "napgen has no chart command yet"
                if REQUIRE_CHART:
                    rep.error("helm", "napgen has no `chart` command (REQUIRE_CHART is set)")
        run_checks(bundles, charts, tgzs, pairs, schemas_dir, workdir, rep, helm_skip, installs, profiles)
        if rendered and argocd:
            step_argocd_plugin(argocd, workdir, rep)
    except SetupError as e:
        print(f"conformance: ERROR: {e}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"  kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    for line in rep.summary:
        print(line)
    n = len(rep.errors)
    print(f"conformance: {'OK' if n == 0 else f'FAILED ({n} errors)'} in {time.monotonic() - start:.1f}s")
    if n and rendered and not args.keep:
        print("  (rerun with --keep to keep the rendered bundles and charts for inspection)")
    return 0 if n == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
