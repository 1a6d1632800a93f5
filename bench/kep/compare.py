#!/usr/bin/env python3
"""Side-by-side benchmark: `rex match` vs the peer solver kep-solver (PyPI 4.0.2).

For every instance file under the data dir (default ../shared/data/kep relative to the
repo root) this runs, ONE AT A TIME (never concurrently):

  * rex:  target/release/rex match FILE --max-cycle K --max-chain L --json --time-limit T
          under `/usr/bin/time -v` (peak RSS = "Maximum resident set size") and an outer
          `timeout`;
  * kep:  python kep_solver_run.py FILE K L --timeout T  (objective `arcs`, the same
          meaning as rex's default `count`), also under `/usr/bin/time -v` and `timeout`;

and appends one JSON line per instance to bench/kep/results.jsonl. Each invocation first
appends a header line ({"header": true, ...}: date, git commit, nproc, CPU model, options).

Instance files: `*.input` (the `.ndds` sibling is read by both solvers), `*.json` not named
`*_output*`, `*.wmd`. The `.xml`, `.yaml`, `.json.xz` and `*.v2.json` files are skipped: they
are the same data as a `.json` twin in kep_solver's other formats.

Exit status: non-zero if any instance had both solvers optimal with different objectives
(the mismatches are listed at the end), or if the rex binary could not be built.

Normally started through bench/kep/run.sh, which creates the virtualenv.
"""

import argparse
import datetime
import fnmatch
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data", "kep"))
DEFAULT_KEP_RUNNER = os.path.abspath(os.path.join(ROOT, "..", "shared", "bench", "kep_solver_run.py"))
RESULTS = os.path.join(HERE, "results.jsonl")
REX = os.path.join(ROOT, "target", "release", "rex")

SET_ORDER = ["kep_solver-tests", "preflib", "trimble-generated"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""


def machine_header(args):
    cpu = ""
    for ln in sh("lscpu").splitlines():
        if ln.startswith("Model name:"):
            cpu = ln.split(":", 1)[1].strip()
    return {
        "header": True,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": sh(f"git -C {ROOT} rev-parse HEAD"),
        "git_dirty": bool(sh(f"git -C {ROOT} status --porcelain --untracked-files=no")),
        "nproc": int(sh("nproc") or 0),
        "cpu_model": cpu,
        "kernel": sh("uname -r"),
        "python": sys.version.split()[0],
        "kep_solver_version": sh(f"{sys.executable} -m pip show kep-solver 2>/dev/null | grep ^Version"),
        "max_cycle": args.max_cycle,
        "max_chain": args.max_chain,
        "timeout": args.timeout,
        "data_dir": args.data,
        "only": args.only,
        "rex_only": args.rex_only,
        "loadavg_at_start": sh("cat /proc/loadavg"),
    }


def is_twin(name):
    """Files that duplicate a .json instance in another kep_solver format."""
    return (
        name.endswith(".xml")
        or name.endswith(".yaml")
        or name.endswith(".json.xz")
        or name.endswith(".v2.json")
    )


def list_instances(data):
    inst, skipped, outputs = [], [], []
    for dp, _dn, fns in os.walk(data):
        for fn in sorted(fns):
            p = os.path.join(dp, fn)
            if "_output" in fn:
                outputs.append(p)
            elif is_twin(fn):
                skipped.append(p)
            elif fn.endswith(".input") or fn.endswith(".wmd"):
                inst.append(p)
            elif fn.endswith(".json") and "_output" not in fn:
                inst.append(p)
    return inst, skipped, outputs


def set_of(rel):
    return rel.split(os.sep)[0]


def sort_key(data, p):
    """Fast sets first; trimble by (pairs, file size) so that size grows monotonically."""
    rel = os.path.relpath(p, data)
    s = set_of(rel)
    rank = SET_ORDER.index(s) if s in SET_ORDER else len(SET_ORDER)
    m = re.search(r"generated-(\d+)-", rel)
    n = int(m.group(1)) if m else 0
    size = os.path.getsize(p)
    if p.endswith(".input"):
        nd = os.path.splitext(p)[0] + ".ndds"
        if os.path.exists(nd):
            size += os.path.getsize(nd)
    return (rank, n, size, rel)


def parse_time_v(path):
    rss_kb, wall, cpu = None, None, 0.0
    try:
        with open(path) as f:
            for ln in f:
                ln = ln.strip()
                if ln.startswith("User time (seconds)") or ln.startswith("System time (seconds)"):
                    cpu += float(ln.split(":")[1])
                elif ln.startswith("Maximum resident set size"):
                    rss_kb = int(ln.split(":")[1])
                elif ln.startswith("Elapsed (wall clock) time"):
                    v = ln.split("):", 1)[1].strip() if "):" in ln else ln.rsplit(" ", 1)[1]
                    parts = [float(x) for x in v.split(":")]
                    wall = 0.0
                    for x in parts:
                        wall = wall * 60 + x
    except OSError:
        pass
    return rss_kb, wall, cpu


def timed(cmd, outer_timeout):
    """Run cmd under `timeout` and `/usr/bin/time -v`; return (rc, stdout, stderr, rss_mb, wall, cpu)
    where cpu = user + system CPU seconds of the whole process (less sensitive to other load)."""
    with tempfile.NamedTemporaryFile(prefix="rexbench-time-", delete=False) as tf:
        tpath = tf.name
    full = ["timeout", "-k", "10", str(int(outer_timeout)), "/usr/bin/time", "-v", "-o", tpath] + cmd
    t0 = time.perf_counter()
    p = subprocess.run(full, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    rss_kb, wall, cpu = parse_time_v(tpath)
    os.unlink(tpath)
    rss_mb = round(rss_kb / 1024.0, 1) if rss_kb is not None else None
    return (p.returncode, p.stdout, p.stderr, rss_mb, (wall if wall is not None else round(elapsed, 3)),
            round(cpu, 3))


def last_json_line(text):
    for ln in reversed(text.strip().splitlines()):
        ln = ln.strip()
        if ln.startswith("{"):
            try:
                return json.loads(ln)
            except json.JSONDecodeError:
                pass
    return None


def run_rex(path, args):
    cmd = [REX, "match", path, "--max-cycle", str(args.max_cycle), "--max-chain", str(args.max_chain),
           "--json", "--time-limit", str(args.timeout)]
    rc, out, err, rss, wall, cpu = timed(cmd, args.timeout + args.grace)
    j = last_json_line(out)
    r = {"peak_rss_mb": rss, "wall_seconds": round(wall, 3), "cpu_seconds": cpu, "exit_code": rc}
    if j is None:
        r.update(objective=None, bound=None, status="killed" if rc in (124, 137) else "error",
                 seconds=round(wall, 3), error=err.strip()[-500:])
        return r, None
    r.update(objective=j.get("objective"), bound=j.get("bound"), status=j.get("status"),
             seconds=j.get("seconds"), gap=j.get("gap"))
    st = j.get("stats") or {}
    r["stats"] = {k: st.get(k) for k in ("cycles_enumerated", "arcs_after_reduction", "mip_columns",
                                          "columns_fixed", "pricing_rounds", "mip_solves", "lp_bound")}
    return r, j


def run_kep(path, args):
    cmd = [sys.executable, args.kep_runner, path, str(args.max_cycle), str(args.max_chain),
           "--timeout", str(args.timeout)]
    rc, out, err, rss, wall, cpu = timed(cmd, args.timeout + args.grace)
    j = last_json_line(out)
    k = {"peak_rss_mb": rss, "wall_seconds": round(wall, 3), "cpu_seconds": cpu, "exit_code": rc}
    if j is None:
        killed = rc in (124, 137)
        k.update(objective=None, status="timeout" if killed else "error",
                 seconds=round(wall, 3), error=("killed by outer timeout" if killed else err.strip()[-500:]))
        return k, None
    k.update(objective=j.get("objective"), status=j.get("status"), seconds=j.get("seconds"),
             read_seconds=j.get("read_seconds"), pairs=j.get("pairs"), paired_donors=j.get("paired_donors"),
             ndds=j.get("ndds"), arcs=j.get("arcs"))
    if j.get("error"):
        k["error"] = j["error"]
    if j.get("incumbent") is not None:
        k["incumbent"] = j["incumbent"]
    if k["seconds"] is None:
        k["seconds"] = round(wall, 3)
    return k, j


def load_done(path):
    done = {}
    if os.path.exists(path):
        with open(path) as f:
            for ln in f:
                try:
                    o = json.loads(ln)
                except json.JSONDecodeError:
                    continue
                if o.get("header"):
                    continue
                done[o["instance"]] = o
    return done


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="instance directory (default %(default)s)")
    ap.add_argument("--kep-runner", default=DEFAULT_KEP_RUNNER)
    ap.add_argument("--only", help="glob (fnmatch) on the path relative to the data dir, e.g. 'preflib/*'"
                    " or '*large-*'; a pattern without glob characters matches as a substring")
    ap.add_argument("--timeout", type=float, default=120.0, help="per-solver time limit in s (default 120)")
    ap.add_argument("--grace", type=float, default=30.0,
                    help="extra seconds before the outer `timeout` kills a solver (default 30)")
    ap.add_argument("--resume", action="store_true", help="skip instances already in results.jsonl")
    ap.add_argument("--rex-only", action="store_true",
                    help="run rex only (kep: null); --resume then skips nothing run before, and a later"
                         " full run with --resume re-runs instances that only have a rex-only line")
    ap.add_argument("--max-cycle", type=int, default=3)
    ap.add_argument("--max-chain", type=int, default=3)
    ap.add_argument("--results", default=RESULTS)
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build")
    args = ap.parse_args()

    if not args.rex_only and not os.path.isfile(args.kep_runner):
        print(f"compare.py: no kep-solver runner at {args.kep_runner}; pass --kep-runner PATH"
              " (../shared/bench/kep_solver_run.py beside the checkout) or --rex-only", file=sys.stderr)
        return 2
    if not args.no_build:
        print("building rex (cargo build --release -p rex-cli) ...", flush=True)
        b = subprocess.run(["cargo", "build", "--release", "-p", "rex-cli"], cwd=ROOT)
        if b.returncode != 0:
            print("cargo build failed", file=sys.stderr)
            return 2

    inst, skipped, outputs = list_instances(args.data)
    print(f"skipping {len(skipped)} twin files (.xml/.yaml/.json.xz/.v2.json: the same data as a .json"
          f" instance in kep_solver's other formats):")
    for p in sorted(skipped):
        print("   skip", os.path.relpath(p, args.data))
    print(f"skipping {len(outputs)} kep_solver solution outputs (*_output.*): "
          + ", ".join(sorted(os.path.basename(p) for p in outputs)))
    inst.sort(key=lambda p: sort_key(args.data, p))
    if args.only:
        pat = args.only if any(c in args.only for c in "*?[") else f"*{args.only}*"
        inst = [p for p in inst if fnmatch.fnmatch(os.path.relpath(p, args.data), pat)]

    done = load_done(args.results) if args.resume else {}
    todo = []
    for p in inst:
        rel = os.path.relpath(p, args.data)
        prev = done.get(rel)
        if prev is not None and (args.rex_only or prev.get("kep") is not None):
            continue
        todo.append(p)
    print(f"{len(inst)} instances selected, {len(inst) - len(todo)} already in {args.results}, "
          f"{len(todo)} to run", flush=True)

    os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
    with open(args.results, "a") as f:
        f.write(json.dumps(machine_header(args)) + "\n")

    mismatches = []
    for i, p in enumerate(todo, 1):
        rel = os.path.relpath(p, args.data)
        rex, rj = run_rex(p, args)
        kep, kj = (None, None) if args.rex_only else run_kep(p, args)
        agree = None
        # kep_solver_run.py says "over_limit" when CBC proved optimality but build + solve took longer
        # than the limit (its CBC limit does not cover model building): still a proven optimum.
        if kep is not None and rex["status"] == "optimal" and kep["status"] in ("optimal", "over_limit"):
            ro, ko = rex["objective"], kep["objective"]
            agree = ro is not None and ko is not None and abs(float(ro) - float(ko)) < 1e-6
            if not agree:
                mismatches.append((rel, ro, ko))
        rec = {
            "instance": rel,
            "set": set_of(rel),
            "pairs": rj.get("requests") if rj else (kj.get("pairs") if kj else None),
            "ndds": rj.get("offers") if rj else (kj.get("ndds") if kj else None),
            "arcs": rj.get("arcs") if rj else (kj.get("arcs") if kj else None),
            "rex": rex,
            "kep": kep,
            "agree": agree,
            "loadavg": sh("cut -d' ' -f1 /proc/loadavg"),
        }
        with open(args.results, "a") as f:
            f.write(json.dumps(rec) + "\n")
        ks = "-" if kep is None else f"{kep['status']:>8} {kep['objective']!s:>7} {kep['seconds']!s:>8}s"
        print(f"[{i}/{len(todo)}] {rel:55s} pairs={rec['pairs']!s:>4} arcs={rec['arcs']!s:>6} | rex "
              f"{rex['status']:>8} {rex['objective']!s:>7} {rex['seconds']!s:>8}s {rex['peak_rss_mb']}MB | "
              f"kep {ks} | agree={agree}", flush=True)

    # Also report mismatches recorded by earlier (resumed) runs for the selected instances.
    selected = {os.path.relpath(p, args.data) for p in inst}
    seen = {m[0] for m in mismatches}
    for rel, o in load_done(args.results).items():
        if rel in selected and rel not in seen and o.get("agree") is False:
            mismatches.append((rel, o["rex"]["objective"], o["kep"]["objective"]))
    if mismatches:
        print(f"\nOBJECTIVE MISMATCHES ({len(mismatches)}): both solvers optimal, different objectives",
              file=sys.stderr)
        for rel, ro, ko in mismatches:
            print(f"   {rel}: rex {ro}  kep-solver {ko}", file=sys.stderr)
        return 1
    print("\nno objective mismatch (instances run now and earlier lines for the selected instances)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
