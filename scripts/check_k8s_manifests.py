#!/usr/bin/env python3
"""Check the Kubernetes manifests of one or more strata builds.

    python3 scripts/check_k8s_manifests.py [--crds DIR] [-k VERSION]... OUT_DIR...

For every `<env>/kubernetes/*.yaml` under each OUT_DIR:
- core objects (Namespace, ResourceQuota, LimitRange, NetworkPolicy,
  HorizontalPodAutoscaler) are copied into a scratch folder (one file per source file,
  same relative path) and checked with `kubernetes-validate --strict -k VERSION` for each
  VERSION (default 1.30.0 and 1.37.0);
- custom resources (KEDA ScaledObject, Velero Schedule, PrometheusRule,
  AlertmanagerConfig) are validated with python-jsonschema against the upstream CRD's
  `openAPIV3Schema` for their version (from --crds, default ../shared/crds beside the
  repository), and any field the CRD does not declare is reported too (the API server
  would silently prune it: a misspelt field must not pass);
- any other kind is an error: strata writes no other kind.

Needs PyYAML, jsonschema and kubernetes-validate (scripts/conformance.sh installs them,
pinned, into a venv). Prints one line per problem and a summary; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import jsonschema
import yaml

CORE_KINDS = {
    ("v1", "Namespace"),
    ("v1", "ResourceQuota"),
    ("v1", "LimitRange"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
}
CRD_FILES = {
    "ScaledObject": "keda.sh_scaledobjects.yaml",
    "Schedule": "velero.io_schedules.yaml",
    "PrometheusRule": "monitoring.coreos.com_prometheusrules.yaml",
    "AlertmanagerConfig": "monitoring.coreos.com_alertmanagerconfigs.yaml",
}


class Loader(yaml.SafeLoader):
    """PyYAML reads a plain `=` as YAML 1.1's value tag; the CRDs use `=` as an enum member."""


Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_crds(crd_dir: str) -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema of every served version."""
    schemas = {}
    for kind, name in CRD_FILES.items():
        path = os.path.join(crd_dir, name)
        with open(path, encoding="utf-8") as f:
            crd = yaml.load(f, Loader=Loader)
        group = crd["spec"]["group"]
        for version in crd["spec"]["versions"]:
            schema = version["schema"]["openAPIV3Schema"]
            schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def undeclared_fields(value, schema: dict, path: str) -> list[str]:
    """Fields of `value` the structural schema does not declare (the API server prunes them)."""
    out = []
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return out
    if isinstance(value, dict):
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props is not None and key in props:
                out += undeclared_fields(item, props[key], f"{path}.{key}")
            elif isinstance(extra, dict):
                out += undeclared_fields(item, extra, f"{path}.{key}")
            elif props is not None and path != "" and path != ".metadata":
                out.append(f"{path}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            out += undeclared_fields(item, schema["items"], f"{path}[{i}]")
    return out


def manifest_files(out_dirs: list[str]) -> list[tuple[str, str]]:
    """(out_dir, relative path) of every Kubernetes manifest."""
    files = []
    for out in out_dirs:
        for env in sorted(os.listdir(out)):
            kdir = os.path.join(out, env, "kubernetes")
            if not os.path.isdir(kdir):
                continue
            for name in sorted(os.listdir(kdir)):
                if name.endswith(".yaml"):
                    files.append((out, os.path.join(env, "kubernetes", name)))
    return files


def main() -> int:
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dirs", nargs="+", metavar="OUT_DIR")
    parser.add_argument("--crds", default=os.path.join(os.path.dirname(repo), "shared", "crds"))
    parser.add_argument("-k", "--kubernetes-version", action="append", dest="versions")
    parser.add_argument(
        "--validator",
        default=shutil.which("kubernetes-validate") or "kubernetes-validate",
        help="the kubernetes-validate executable",
    )
    args = parser.parse_args()
    versions = args.versions or ["1.30.0", "1.37.0"]
    crds = load_crds(args.crds)
    problems: list[str] = []
    counts = {"core": 0, "custom": 0, "files": 0}
    scratch = tempfile.mkdtemp(prefix="strata-k8s-")
    core_files = []
    try:
        for index, (out, rel) in enumerate(manifest_files(args.out_dirs)):
            counts["files"] += 1
            path = os.path.join(out, rel)
            with open(path, encoding="utf-8") as f:
                docs = [d for d in yaml.load_all(f, Loader=Loader) if d is not None]
            core = []
            for doc in docs:
                key = (doc.get("apiVersion"), doc.get("kind"))
                where = f"{path}: {key[1]} {doc.get('metadata', {}).get('name')}"
                if key in CORE_KINDS:
                    core.append(doc)
                elif key in crds:
                    counts["custom"] += 1
                    schema = crds[key]
                    validator = jsonschema.Draft7Validator(schema)
                    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
                        loc = "/".join(str(p) for p in err.absolute_path)
                        problems.append(f"{where}: /{loc}: {err.message}")
                    for field in undeclared_fields(doc, schema, ""):
                        problems.append(f"{where}: field {field} is not in the CRD (the API server would prune it)")
                else:
                    problems.append(f"{where}: unexpected kind (apiVersion {key[0]})")
            if core:
                counts["core"] += len(core)
                target = os.path.join(scratch, f"{index:06d}-" + rel.replace(os.sep, "_"))
                with open(target, "w", encoding="utf-8") as f:
                    yaml.safe_dump_all(core, f, sort_keys=False)
                core_files.append(target)
        for version in versions:
            for start in range(0, len(core_files), 500):
                batch = core_files[start : start + 500]
                run = subprocess.run(
                    [args.validator, "--strict", "--quiet", "-k", version, *batch],
                    capture_output=True,
                    text=True,
                )
                if run.returncode != 0:
                    output = (run.stdout + run.stderr).strip()
                    problems.append(f"kubernetes-validate --strict -k {version} failed:\n{output}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for p in problems:
        print(f"FAIL {p}")
    print(
        f"kubernetes manifests: {counts['files']} files, {counts['core']} core objects "
        f"(kubernetes-validate --strict, Kubernetes {', '.join(versions)}), "
        f"{counts['custom']} custom resources (upstream CRD schemas): {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
