#!/usr/bin/env python3
"""Summarise bench/kep/results.jsonl (written by compare.py) as Markdown for BENCHMARKS.md.

Per set: count, rex median/max seconds, kep-solver median/max seconds, median ratio
kep/rex, max peak RSS, agreement; then the global median ratio, the targets (every
instance of <= 600 pairs proven optimal by rex within 5 s; median ratio >= 20; peak
memory <= 2 GiB) and a log-log fit of rex's time against size.

Times are the solvers' own reported solve times (rex: `seconds` of `rex match --json`;
kep-solver: model build + CBC solve as timed by kep_solver_run.py, file reading and
Python start-up excluded). Where kep-solver hit the time limit its time is counted at
the value measured (>= the limit), so ratios involving it are lower bounds (marked ">=").
The last line of results.jsonl for an instance wins (a re-run replaces an earlier one).

Usage: python bench/kep/summary.py [results.jsonl] [--limit-pairs 600] [--limit-seconds 5]
"""

import argparse
import json
import math
import os
import re
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    headers, by = [], {}
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln:
                continue
            o = json.loads(ln)
            if o.get("header"):
                headers.append(o)
            else:
                by[o["instance"]] = o
    return headers, list(by.values())


def group(rel):
    parts = rel.split("/")
    if parts[0] == "trimble-generated":
        return f"trimble {parts[1]}"
    if parts[0] == "kep_solver-tests":
        b = parts[-1]
        if b.startswith("medium-"):
            return "kep_solver medium"
        if b.startswith("large-"):
            return "kep_solver large"
        return "kep_solver tiny (test*)"
    if parts[0] == "preflib":
        return "preflib"
    return parts[0]


GROUP_ORDER = ["kep_solver tiny (test*)", "kep_solver medium", "kep_solver large", "preflib",
               "trimble modified-5pc", "trimble modified-25pc", "trimble saidman-5pc",
               "trimble saidman-25pc"]


def kep_done(r):
    return r.get("kep") is not None


PROVEN = ("optimal", "over_limit")  # over_limit: kep-solver proved optimality after the time limit


def kep_censored(r):
    return kep_done(r) and r["kep"]["status"] not in PROVEN


def agreement(r):
    """True/False when both solvers proved optimality (same objective or not), else None.
    Recomputed here (not read from the line) so that kep-solver's over_limit counts as proven."""
    if not kep_done(r) or r["rex"]["status"] != "optimal" or r["kep"]["status"] not in PROVEN:
        return None
    ro, ko = r["rex"]["objective"], r["kep"]["objective"]
    return ro is not None and ko is not None and abs(float(ro) - float(ko)) < 1e-6


def ratio(r):
    k, x = r["kep"]["seconds"], r["rex"]["seconds"]
    if k is None or x is None or x <= 0:
        return None
    return k / x


def fmt_s(v):
    if v is None:
        return "-"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def median_with_censoring(vals):
    """vals: list of (value, censored_lower_bound). Median, and whether it is only a lower bound
    (i.e. the median element or one below it is censored)."""
    if not vals:
        return None, False
    s = sorted(vals, key=lambda t: t[0])
    med = statistics.median([v for v, _ in s])
    n = len(s)
    mid = s[(n - 1) // 2: n // 2 + 1]
    # Censored values are lower bounds: their true value may be larger, so the median is a
    # lower bound as soon as any censored value sits at or below the middle.
    lb = any(c for v, c in s[: n // 2 + 1])
    return med, lb


def row(name, rs):
    n = len(rs)
    rex_t = [r["rex"]["seconds"] for r in rs if r["rex"]["seconds"] is not None]
    rex_opt = sum(1 for r in rs if r["rex"]["status"] == "optimal")
    ks = [r for r in rs if kep_done(r)]
    kep_t = [(r["kep"]["seconds"], kep_censored(r)) for r in ks if r["kep"]["seconds"] is not None]
    kep_to = sum(1 for r in ks if kep_censored(r))
    rat = [(ratio(r), kep_censored(r)) for r in ks if ratio(r) is not None]
    rss = [r["rex"]["peak_rss_mb"] for r in rs if r["rex"].get("peak_rss_mb") is not None]
    krss = [r["kep"]["peak_rss_mb"] for r in ks if r["kep"].get("peak_rss_mb") is not None]
    agree = sum(1 for r in ks if agreement(r) is True)
    dis = sum(1 for r in ks if agreement(r) is False)
    both_proven = sum(1 for r in ks if agreement(r) is not None)
    kmed, klb = median_with_censoring(kep_t)
    kmax = max((v for v, _ in kep_t), default=None)
    kmax_lb = any(c for v, c in kep_t if v == kmax)
    rmed, rlb = median_with_censoring(rat)
    pairs = [r["pairs"] for r in rs if r.get("pairs") is not None]
    return {
        "set": name,
        "n": n,
        "pairs": f"{min(pairs)}-{max(pairs)}" if pairs else "-",
        "rex_opt": rex_opt,
        "rex_med": statistics.median(rex_t) if rex_t else None,
        "rex_max": max(rex_t) if rex_t else None,
        "kep_n": len(ks),
        "kep_to": kep_to,
        "kep_med": kmed, "kep_med_lb": klb,
        "kep_max": kmax, "kep_max_lb": kmax_lb,
        "ratio_med": rmed, "ratio_lb": rlb,
        "rss_max": max(rss) if rss else None,
        "kep_rss_max": max(krss) if krss else None,
        "agree": agree, "disagree": dis, "both_proven": both_proven,
    }


def fit_loglog(xs, ys):
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
    if len(pts) < 3:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    syy = sum((p[1] - my) ** 2 for p in pts)
    if sxx == 0 or syy == 0:
        return None
    b = sxy / sxx
    r2 = sxy * sxy / (sxx * syy)
    return b, math.exp(my - b * mx), r2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="?", default=os.path.join(HERE, "results.jsonl"))
    ap.add_argument("--limit-pairs", type=int, default=600)
    ap.add_argument("--limit-seconds", type=float, default=5.0)
    ap.add_argument("--target-ratio", type=float, default=20.0)
    ap.add_argument("--limit-rss-mb", type=float, default=2048.0)
    ap.add_argument("--data", default=os.path.abspath(os.path.join(HERE, "..", "..", "..", "shared", "data", "kep")),
                    help="to list instances that were not run")
    a = ap.parse_args()

    headers, rs = load(a.results)
    groups = {}
    for r in rs:
        groups.setdefault(group(r["instance"]), []).append(r)
    names = [g for g in GROUP_ORDER if g in groups] + sorted(g for g in groups if g not in GROUP_ORDER)

    if headers:
        h = headers[0]
        print(f"Run(s): {len(headers)} invocation(s), first {h['date_utc']}, last {headers[-1]['date_utc']}; "
              f"commit {h['git_commit'][:12]}; nproc {h['nproc']}; CPU {h['cpu_model']}; "
              f"K={h['max_cycle']} L={h['max_chain']}; time limit {h['timeout']} s per solver")
        print()

    print("| set | instances | pairs | rex optimal | rex median s | rex max s | kep-solver run (time-outs) "
          "| kep median s | kep max s | median kep/rex | rex max RSS MB | kep max RSS MB | agree |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = [row(g, groups[g]) for g in names] + [row("**all**", rs)]
    for x in rows:
        lb = lambda f: ">=" if f else ""
        agree = f"{x['agree']}/{x['both_proven']}" + (f" ({x['disagree']} MISMATCH)" if x["disagree"] else "")
        print(f"| {x['set']} | {x['n']} | {x['pairs']} | {x['rex_opt']}/{x['n']} | {fmt_s(x['rex_med'])} | "
              f"{fmt_s(x['rex_max'])} | {x['kep_n']} ({x['kep_to']}) | {lb(x['kep_med_lb'])}{fmt_s(x['kep_med'])} | "
              f"{lb(x['kep_max_lb'])}{fmt_s(x['kep_max'])} | "
              f"{lb(x['ratio_lb'])}{x['ratio_med']:.1f} | " if x["ratio_med"] is not None else
              f"| {x['set']} | {x['n']} | {x['pairs']} | {x['rex_opt']}/{x['n']} | {fmt_s(x['rex_med'])} | "
              f"{fmt_s(x['rex_max'])} | {x['kep_n']} (0) | - | - | - | ", end="")
        print(f"{x['rss_max']} | {x['kep_rss_max'] if x['kep_rss_max'] is not None else '-'} | {agree} |")
    print()
    print("agree = both optimal with the same objective / instances where both were optimal. "
          "'>=' marks values that include kep-solver time-outs (a lower bound).")
    print()

    # Global ratio, also on wall-clock (process) time.
    both = [r for r in rs if kep_done(r)]
    g = row("all", rs)
    wall = [r["kep"]["wall_seconds"] / r["rex"]["wall_seconds"] for r in both
            if r["kep"].get("wall_seconds") and r["rex"].get("wall_seconds")]
    print(f"Global median time ratio kep-solver/rex (solver-reported times) over {len(both)} instances: "
          f"{'>=' if g['ratio_lb'] else ''}{g['ratio_med']:.2f}" if g["ratio_med"] is not None else "no ratio")
    if wall:
        print(f"Global median ratio of process wall-clock times (incl. start-up, file reading, Python "
              f"imports): {statistics.median(wall):.2f}")
    cpu = [r["kep"]["cpu_seconds"] / r["rex"]["cpu_seconds"] for r in both
           if r["kep"].get("cpu_seconds") and r["rex"].get("cpu_seconds")]
    if cpu:
        print(f"Global median ratio of process CPU times (user+sys, children included; over the {len(cpu)} "
              f"instances where rex CPU time was measurable, >= 0.01 s): {statistics.median(cpu):.2f}")
    big = [r for r in both if (r.get("pairs") or 0) >= 100]
    if big:
        bm, blb = median_with_censoring([(ratio(r), kep_censored(r)) for r in big if ratio(r) is not None])
        print(f"Median ratio over the {len(big)} instances with >= 100 pairs: {'>=' if blb else ''}{bm:.1f}")
    print()

    # Target 1: every instance <= limit pairs proven optimal in <= limit seconds.
    small = [r for r in rs if r.get("pairs") is not None and r["pairs"] <= a.limit_pairs]
    ok = [r for r in small if r["rex"]["status"] == "optimal" and r["rex"]["seconds"] is not None
          and r["rex"]["seconds"] <= a.limit_seconds]
    bad = [r for r in small if r not in ok]
    print(f"Instances with <= {a.limit_pairs} pairs run: {len(small)}; proven optimal by rex within "
          f"{a.limit_seconds:g} s: {len(ok)}; not: {len(bad)}")
    for r in bad:
        print(f"   NOT: {r['instance']} pairs={r['pairs']} status={r['rex']['status']} seconds={r['rex']['seconds']}")
    okc = [r for r in small if r["rex"]["status"] == "optimal" and r["rex"].get("cpu_seconds") is not None
           and r["rex"]["cpu_seconds"] <= a.limit_seconds]
    print(f"   (same count on rex's process CPU time user+sys instead of its wall-clock solve time: "
          f"{len(okc)} of {len(small)})")
    slow = sorted(rs, key=lambda r: -(r["rex"]["seconds"] or 0))[:5]
    print("Slowest for rex: " + "; ".join(f"{r['instance']} {fmt_s(r['rex']['seconds'])} s" for r in slow))
    print(f"Target median ratio >= {a.target_ratio:g}: "
          f"{'MET' if g['ratio_med'] is not None and g['ratio_med'] >= a.target_ratio else 'NOT MET'}"
          f" ({g['ratio_med']:.2f})" if g["ratio_med"] is not None else "")
    rss = max(r["rex"]["peak_rss_mb"] for r in rs if r["rex"].get("peak_rss_mb") is not None)
    print(f"Peak RSS of rex, max over all instances: {rss} MB "
          f"({'MET' if rss <= a.limit_rss_mb else 'NOT MET'} <= {a.limit_rss_mb:g} MB)")
    mism = [r for r in rs if agreement(r) is False]
    print(f"Objective mismatches: {len(mism)}")
    for r in mism:
        print(f"   MISMATCH {r['instance']}: rex {r['rex']['objective']} kep-solver {r['kep']['objective']}")
    print()

    # Growth of rex's cost (trimble set: the only one spanning 100-600 pairs).
    tr = [r for r in rs if r["instance"].startswith("trimble") and r["rex"]["status"] == "optimal"]
    if tr:
        print(f"rex growth on trimble-generated ({len(tr)} instances), log-log least squares "
              f"seconds ~ c * x^b:")
        for lab, key in (("pairs", lambda r: r["pairs"]), ("arcs", lambda r: r["arcs"]),
                         ("cycles+chains enumerated", lambda r: (r["rex"].get("stats") or {}).get("cycles_enumerated")),
                         ("MIP columns generated", lambda r: (r["rex"].get("stats") or {}).get("mip_columns")),
                         ("pricing rounds", lambda r: (r["rex"].get("stats") or {}).get("pricing_rounds"))):
            f = fit_loglog([key(r) for r in tr], [r["rex"]["seconds"] for r in tr])
            if f:
                print(f"   x = {lab:25s} b = {f[0]:.2f}  R^2 = {f[2]:.2f}")
        f = fit_loglog([(r["rex"].get("stats") or {}).get("mip_columns") for r in tr],
                       [r["rex"]["peak_rss_mb"] for r in tr])
        if f:
            print(f"   (rex peak RSS ~ MIP columns^{f[0]:.2f}, R^2 = {f[2]:.2f})")
        f = fit_loglog([r["pairs"] for r in tr], [r["arcs"] for r in tr])
        if f:
            print(f"   (arcs ~ pairs^{f[0]:.2f} in this set)")
        f = fit_loglog([r["arcs"] for r in tr],
                       [(r["rex"].get("stats") or {}).get("cycles_enumerated") for r in tr])
        if f:
            print(f"   (cycles+chains enumerated ~ arcs^{f[0]:.2f})")
        by = {}
        for r in tr:
            by.setdefault(r["pairs"], []).append(r["rex"]["seconds"])
        print("   rex median s by pairs: " + ", ".join(f"{p}: {fmt_s(statistics.median(v))} (n={len(v)})"
                                                       for p, v in sorted(by.items())))
        print()

    # Instances not run.
    if os.path.isdir(a.data):
        import importlib.util
        spec = importlib.util.spec_from_file_location("compare", os.path.join(HERE, "compare.py"))
        cmp = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cmp)
        inst, _, _ = cmp.list_instances(a.data)
        have = {r["instance"] for r in rs}
        nokep = {r["instance"] for r in rs if not kep_done(r)}
        missing = sorted((os.path.relpath(p, a.data) for p in inst if os.path.relpath(p, a.data) not in have),
                         key=lambda rel: cmp.sort_key(a.data, os.path.join(a.data, rel)))
        print(f"Instance files in the data dir: {len(inst)}; run by both: {len(have) - len(nokep)}; "
              f"rex only: {len(nokep)}; not run: {len(missing)}")
        for rel in sorted(nokep):
            print(f"   rex only (kep-solver not run): {rel}")
        for rel in missing:
            print(f"   not run: {rel}")


if __name__ == "__main__":
    main()
