#!/usr/bin/env python3
"""Soak test of `strata watch` (issue 6).

    python3 scripts/soak.py STRATA [--tenants N] [--edits E] [--seed S]

Generates a fleet (scripts/gen_fleet.py), runs `strata watch --env production --listen`
on it, then makes E scripted edits of tenant files (30% invalid: broken YAML or a schema
error; some saved by rename-over; some in bursts of several files; some of defaults.yaml,
which rebuild everything). Meanwhile a checker reads the output folder over and over: every
snapshot must be whole (every file the manifest lists is there with its sha256). At the
end every file is made valid again, and once watch is quiet its output must equal a clean
`strata build --env production` of the final files, byte for byte. When `prometheus` is
installed it serves the output and watch reloads it after every swap: its
`prometheus_config_last_reload_successful` must never read 0 and no reload may fail.
Exits 1 on any failure. Every wait is bounded; processes are stopped by their PID.
"""

import argparse
import filecmp
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ENV = "production"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def builds_total(metrics):
    return sum(int(float(m)) for m in re.findall(r'^strata_builds_total\{[^}]*\} (\S+)$', metrics, re.M))


class Checker(threading.Thread):
    """Reads the output over and over; records any snapshot that is not whole."""

    def __init__(self, out, prom):
        super().__init__(daemon=True)
        self.out, self.prom, self.stop, self.samples, self.problems = out, prom, False, 0, []

    def run(self):
        n = 0
        while not self.stop:
            self.check_once()
            n += 1
            if self.prom and n % 10 == 0:
                metrics = get(self.prom + "/metrics")[1]
                if re.search(r"^prometheus_config_last_reload_successful 0", metrics, re.M):
                    self.problems.append("Prometheus reports a failed reload")
            time.sleep(0.005)

    def check_once(self):
        try:
            fd = os.open(self.out, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            ino = os.fstat(fd).st_ino
            try:
                with open(os.open("manifest.json", os.O_RDONLY, dir_fd=fd)) as f:
                    manifest = json.load(f)
                for entry in manifest["outputs"]:
                    with open(os.open(entry["path"], os.O_RDONLY, dir_fd=fd), "rb") as f:
                        if hashlib.sha256(f.read()).hexdigest() != entry["sha256"]:
                            raise ValueError(f"{entry['path']}: sha256 differs from the manifest")
            except (OSError, ValueError) as e:
                # A swap under way replaced the folder: not a partial output.
                if os.stat(self.out).st_ino == ino and os.path.exists(os.path.join(self.out, "manifest.json")):
                    self.problems.append(str(e))
                return
            self.samples += 1
        finally:
            os.close(fd)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("strata")
    ap.add_argument("--tenants", type=int, default=200)
    ap.add_argument("--edits", type=int, default=500)
    ap.add_argument("--seed", type=int, default=6)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    strata = os.path.abspath(args.strata)
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="strata-soak-") as tmp:
        root = os.path.join(tmp, "fleet")
        subprocess.run([sys.executable, os.path.join(here, "gen_fleet.py"), root, "--tenants", str(args.tenants)],
                       check=True, stdout=subprocess.DEVNULL)
        out = os.path.join(root, "out")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(tmp, "watch.log"), "w")
        command = [strata, "watch", root, "--env", ENV, "--listen", f"127.0.0.1:{port}"]
        prometheus = None
        if shutil.which("prometheus"):
            subprocess.run([strata, "build", root, "--env", ENV], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            prom = f"http://127.0.0.1:{free_port()}"
            prometheus = subprocess.Popen(
                ["prometheus", f"--config.file={out}/{ENV}/prometheus/prometheus.yml",
                 f"--web.listen-address={prom[7:]}", f"--storage.tsdb.path={tmp}/tsdb", "--web.enable-lifecycle"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if not wait_for(60, lambda: get(prom + "/-/ready")[0] == 200):
                print("soak: Prometheus never became ready", file=sys.stderr)
                return 1
            command += ["--prometheus", prom]
        else:
            print("soak: prometheus is not installed: the soak runs without it", file=sys.stderr)
        watch = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            return soak(rng, args, root, out, base, watch, strata, tmp, prometheus and prom)
        finally:
            if prometheus is not None:
                prometheus.kill()
                prometheus.wait(timeout=30)
            if watch.poll() is None:
                os.kill(watch.pid, signal.SIGKILL)
                watch.wait(timeout=10)
            log.close()
            if os.environ.get("SOAK_LOG"):
                print(open(os.path.join(tmp, "watch.log")).read()[-4000:])


def wait_for(limit, check):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def steps_done(tmp):
    """Rebuilds whose status line (printed once the swap and the reloads are done) is out."""
    with open(os.path.join(tmp, "watch.log")) as f:
        return sum(1 for line in f if line.startswith("strata watch: ") and re.search(r" in \d+ ms; ", line))


def inputs_current(root, out):
    """Whether the output was built from the files as they are now (by the manifest)."""
    try:
        with open(os.path.join(out, "manifest.json")) as f:
            inputs = json.load(f)["inputs"]
        for entry in inputs:
            with open(os.path.join(root, entry["path"]), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != entry["sha256"]:
                    return False
        return True
    except (OSError, ValueError, KeyError):
        return False


def soak(rng, args, root, out, base, watch, strata, tmp, prom):
    # The initial step (build, swap, reload) is over once watch says it is watching.
    ready = lambda: get(base + "/healthz")[0] == 200 and steps_done(tmp) >= 1
    if not wait_for(300, ready):
        print("soak: strata watch never became healthy", file=sys.stderr)
        return 1
    tenants = sorted(f[:-5] for f in os.listdir(os.path.join(root, "tenants")) if f.endswith(".yaml"))
    pristine = {t: open(os.path.join(root, "tenants", t + ".yaml")).read() for t in tenants}
    checker = Checker(out, prom)
    checker.start()
    counts = {"valid": 0, "invalid": 0, "rename": 0, "burst": 0, "defaults": 0}

    def save(path, text, rename):
        if rename:
            tmp_path = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
            with open(tmp_path, "w") as f:
                f.write(text)
            os.rename(tmp_path, path)
            counts["rename"] += 1
        else:
            with open(path, "w") as f:
                f.write(text)

    def edit(k):
        t = rng.choice(tenants)
        path = os.path.join(root, "tenants", t + ".yaml")
        text = re.sub(r'^name: .*$', f'name: "Tenant {t} rev {k}"', pristine[t], count=1, flags=re.M)
        if rng.random() < 0.3:
            counts["invalid"] += 1
            text = text + "quotas: [\n" if rng.random() < 0.5 else text.replace("tier: ", "tier: platinum-", 1)
        else:
            counts["valid"] += 1
        save(path, text, rng.random() < 0.3)

    k = 0
    while k < args.edits:
        roll = rng.random()
        if roll < 0.1:
            n = rng.randint(2, 5)
            counts["burst"] += 1
            for _ in range(n):
                edit(k)
                k += 1
                time.sleep(rng.uniform(0, 0.02))
        elif roll < 0.13:
            with open(os.path.join(root, "defaults.yaml"), "a") as f:
                f.write(f"# soak edit {k}\n")
            counts["defaults"] += 1
            k += 1
        else:
            edit(k)
            k += 1
        time.sleep(rng.choice([0.0, 0.05, 0.1, 0.3]))
    # Every file valid again (a final valid edit of each tenant ever touched).
    for t in tenants:
        path = os.path.join(root, "tenants", t + ".yaml")
        if "platinum-" in open(path).read() or open(path).read().endswith("quotas: [\n"):
            save(path, re.sub(r'^name: .*$', f'name: "Tenant {t} final"', pristine[t], count=1, flags=re.M), False)
    # Quiet: the output was built from the final files, and every rebuild has finished
    # (its status line is out, so its reloads are done), bounded. On a busy machine a
    # rebuild or a reload can take seconds: a pause in the builds alone does not say that.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        last = builds_total(get(base + "/metrics")[1])
        if inputs_current(root, out) and steps_done(tmp) >= last:
            time.sleep(2)
            if builds_total(get(base + "/metrics")[1]) == last:
                break
        time.sleep(0.1)
    checker.stop = True
    checker.join(timeout=10)
    status, health = get(base + "/healthz")
    metrics = get(base + "/metrics")[1]
    if prom:
        if not re.search(r'^strata_reloads_total\{target="prometheus",result="success"\} [1-9]', metrics, re.M):
            checker.problems.append("no successful Prometheus reload")
        if re.search(r'^strata_reloads_total\{target="prometheus",result="failure"\}', metrics, re.M):
            checker.problems.append("a Prometheus reload failed")
    clean = os.path.join(tmp, "clean")
    subprocess.run([strata, "build", root, "--env", ENV, "--out", clean], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    diffs = compare(out, clean)
    os.kill(watch.pid, signal.SIGTERM)
    code = watch.wait(timeout=30)
    print(f"soak: {args.edits} edits on {len(tenants)} tenants ({counts}); {last} builds; "
          f"{checker.samples} whole snapshots read, {len(checker.problems)} problems; "
          f"Prometheus {'reloaded after every swap' if prom else 'not installed'}; "
          f"/healthz {status}; {len(diffs)} files differ from a clean build; watch exit {code}")
    if status != 200:
        print("  /healthz: " + health.strip())
    for p in checker.problems[:5] + diffs[:5]:
        print("  " + p)
    ok = not checker.problems and not diffs and status == 200 and code == 0
    print("soak: PASS" if ok else "soak: FAIL")
    return 0 if ok else 1


def compare(a, b):
    diffs = []
    files = lambda d: {os.path.relpath(os.path.join(p, f), d) for p, _, fs in os.walk(d) for f in fs}
    fa, fb = files(a), files(b)
    diffs += [f"only in watch output: {f}" for f in sorted(fa - fb)]
    diffs += [f"only in clean build: {f}" for f in sorted(fb - fa)]
    diffs += [f"differs: {f}" for f in sorted(fa & fb)
              if not filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)]
    return diffs


if __name__ == "__main__":
    sys.exit(main())
