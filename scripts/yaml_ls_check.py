#!/usr/bin/env python3
"""Drives yaml-language-server headless over LSP stdio and checks strata's editor schemas.

    yaml_ls_check.py --server "node .../yaml-language-server --stdio" \
        --schemas DIR --example examples/platform --init DIR

1. Every YAML file of --example, mapped to its schema in --schemas through the
   `yaml.schemas` setting (defaults and environments: environment.schema.json, tenant
   files: tenant-file.schema.json, tenant overlays: tenant-overlay.schema.json), gets no
   diagnostic.
2. Injected errors (an unknown key and a wrong type in a tenant file, an unknown key in an
   environment file) are reported on their lines.
3. The repository `strata init` wrote (--init) is checked with no `yaml.schemas` setting,
   only the `# yaml-language-server: $schema=...` modelines: no diagnostic, and an error
   injected below a modeline is reported.
Exits 1 with the reasons when a check fails, 2 when the server cannot be driven (it did
not answer within the time limit).
"""

import argparse
import glob
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

TIMEOUT = 90.0  # seconds for the whole run
QUIET = 1.5  # seconds without a new diagnostic after every document has one


class Server:
    """A yaml-language-server process and the messages it sends."""

    def __init__(self, command, root, schemas):
        self.proc = subprocess.Popen(
            shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.settings = {
            "yaml": {
                "validate": True,
                "hover": True,
                "completion": True,
                "schemaStore": {"enable": False},
                "schemas": schemas,
            }
        }
        self.diagnostics = {}
        self.last_change = time.monotonic()
        self.responses = {}
        self.lock = threading.Condition()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        init = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": Path(root).resolve().as_uri(),
                "capabilities": {
                    "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
                    "textDocument": {"publishDiagnostics": {"relatedInformation": False}},
                },
            },
        )
        if init is None:
            raise TimeoutError("no answer to initialize")
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self.settings})

    def _send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        with self.lock:
            rid = self.next_id
            self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + 30
        with self.lock:
            while rid not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.lock.wait(left)
            return self.responses.pop(rid)

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.decode().strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.lower()] = value.strip()
            message = json.loads(out.read(int(headers["content-length"])))
            self._handle(message)

    def _handle(self, m):
        if "method" in m and "id" in m:  # a request from the server
            result = None
            if m["method"] == "workspace/configuration":
                result = [self.settings.get(i.get("section", ""), None) for i in m["params"]["items"]]
            self._send({"jsonrpc": "2.0", "id": m["id"], "result": result})
        elif m.get("method") == "textDocument/publishDiagnostics":
            with self.lock:
                self.diagnostics[m["params"]["uri"]] = m["params"]["diagnostics"]
                self.last_change = time.monotonic()
                self.lock.notify_all()
        elif "id" in m:
            with self.lock:
                self.responses[m["id"]] = m.get("result")
                self.lock.notify_all()

    def diagnose(self, docs, deadline):
        """Opens docs ({uri: text}) and returns their diagnostics once the server is quiet."""
        for uri, text in docs.items():
            self.notify(
                "textDocument/didOpen",
                {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
            )
        with self.lock:
            while True:
                now = time.monotonic()
                done = all(u in self.diagnostics for u in docs) and now - self.last_change >= QUIET
                if done:
                    return {u: self.diagnostics[u] for u in docs}
                if now >= deadline:
                    missing = [u for u in docs if u not in self.diagnostics]
                    raise TimeoutError(f"no diagnostics within {TIMEOUT:.0f}s for {missing}")
                self.lock.wait(0.2)

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def schema_of(rel):
    parts = rel.split("/")
    if parts == ["defaults.yaml"] or (len(parts) == 2 and parts[0] == "environments"):
        return "environment.schema.json"
    if len(parts) == 2 and parts[0] == "tenants":
        return "tenant-file.schema.json"
    if len(parts) == 3 and parts[0] == "tenants":
        return "tenant-overlay.schema.json"
    return None


def yaml_files(root):
    root = Path(root).resolve()
    files = {}
    for path in sorted(glob.glob(str(root / "**" / "*.yaml"), recursive=True)):
        rel = Path(path).relative_to(root).as_posix()
        if schema_of(rel):
            files[rel] = Path(path)
    return files


def describe(diags):
    return "; ".join(f"line {d['range']['start']['line'] + 1}: {d['message']}" for d in diags)


def inject(text, needle, replacement):
    if needle not in text:
        raise ValueError(f"cannot inject: `{needle}` not found")
    return text.replace(needle, replacement, 1)


def line_of(text, needle):
    return text.split(needle)[0].count("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--example", required=True)
    ap.add_argument("--init", required=True)
    args = ap.parse_args()
    deadline = time.monotonic() + TIMEOUT
    schemas_dir = Path(args.schemas).resolve()
    example = Path(args.example).resolve()
    globs = {
        "environment.schema.json": ["defaults.yaml", "environments/*.yaml"],
        "tenant-file.schema.json": ["tenants/*.yaml"],
        "tenant-overlay.schema.json": ["tenants/*/*.yaml"],
    }
    mapping = {(schemas_dir / name).as_uri(): [f"{example}/{g}" for g in gs] for name, gs in globs.items()}
    problems = []
    try:
        server = Server(args.server, example, mapping)
    except TimeoutError as e:
        print(f"yaml-language-server could not be driven: {e}", file=sys.stderr)
        return 2
    try:
        files = yaml_files(example)
        docs = {p.as_uri(): p.read_text(encoding="utf-8") for p in files.values()}
        result = server.diagnose(docs, deadline)
        for rel, path in files.items():
            diags = result[path.as_uri()]
            if diags:
                problems.append(f"{args.example}/{rel}: {describe(diags)}")
        print(f"example: {len(files)} files validated against {len(mapping)} schemas, "
              f"{sum(len(d) for d in result.values())} diagnostics")

        # Injected errors, in new documents (not written to disk) that the same globs map.
        t_text = files["tenants/acme-corp.yaml"].read_text(encoding="utf-8")
        e_text = files["environments/production.yaml"].read_text(encoding="utf-8")
        tenant = example / "tenants" / "injected-tenant.yaml"
        env = example / "environments" / "injected-env.yaml"
        bad_tenant = inject(t_text, "\nautoscaling:\n", "\nautoscalng:\n  max: 1\nautoscaling:\n")
        bad_tenant = inject(bad_tenant, "tier: enterprise", "tier: 7")
        bad_env = inject(e_text, "\nplatform:\n", "\nplatform:\n  clustr: typo\n")
        result = server.diagnose({tenant.as_uri(): bad_tenant, env.as_uri(): bad_env}, deadline)
        expected = [
            (tenant, line_of(bad_tenant, "autoscalng:"), "autoscalng"),
            (tenant, line_of(bad_tenant, "tier: 7"), "tier"),
            (env, line_of(bad_env, "clustr:"), "clustr"),
        ]
        for path, line, what in expected:
            diags = result[path.as_uri()]
            if not any(d["range"]["start"]["line"] == line for d in diags):
                problems.append(f"injected error `{what}` on line {line + 1} of {path.name} not reported: {describe(diags)}")
            else:
                hit = next(d for d in diags if d["range"]["start"]["line"] == line)
                print(f"injected `{what}`: reported on line {line + 1}: {hit['message']}")

        # The repository of `strata init`: modelines only.
        server.settings["yaml"]["schemas"] = {}
        server.notify("workspace/didChangeConfiguration", {"settings": server.settings})
        init_files = yaml_files(args.init)
        docs = {p.as_uri(): p.read_text(encoding="utf-8") for p in init_files.values()}
        for text in docs.values():
            if not text.startswith("# yaml-language-server: $schema="):
                problems.append("a file of strata init has no modeline")
        result = server.diagnose(docs, deadline)
        for rel, path in init_files.items():
            if result[path.as_uri()]:
                problems.append(f"init/{rel}: {describe(result[path.as_uri()])}")
        tenant = init_files["tenants/example.yaml"]
        bad = tenant.read_text(encoding="utf-8") + "autoscalng: {}\n"
        virtual = tenant.with_name("injected.yaml").as_uri()
        result = server.diagnose({virtual: bad}, deadline)
        if not any("autoscalng" in d["message"] for d in result[virtual]):
            problems.append(f"modeline schema not applied: injected key not reported: {describe(result[virtual])}")
        else:
            print(f"init: {len(init_files)} files clean through their modelines; injected key reported")
    except TimeoutError as e:
        print(f"yaml-language-server could not be driven: {e}", file=sys.stderr)
        return 2
    finally:
        server.close()
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
