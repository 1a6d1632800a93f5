#!/usr/bin/env python3
"""Plot solve time against instance size for rex and kep-solver from bench/kep/results.jsonl.

Writes bench/kep/time_vs_size.svg: left panel x = pairs (paired donors), right panel
x = arcs of the compatibility graph (log), y = solver-reported seconds (log), both solvers;
kep-solver time-outs are drawn as red crosses at the time they were stopped, rex runs
that were not proven optimal (none expected) as black crosses.

Several results files may be given: for each instance and each solver, the last file (in the
order given) holding a result of that solver wins, so a rex-only re-run can be drawn beside an
earlier run's kep-solver results on the same pools.

Usage: python bench/kep/plot.py [results.jsonl ...] [-o out.svg]
"""

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR = 1e-3  # draw sub-millisecond times at 1 ms so that the log axis stays readable


def load(paths):
    by, headers = {}, []
    for path in paths:
        with open(path) as f:
            for ln in f:
                if ln.strip():
                    o = json.loads(ln)
                    if o.get("header"):
                        # the first header of each file names it, for the title
                        first = not any(x.get("path") == path for x in headers)
                        headers.append(dict(o, path=path if first else None))
                        continue
                    row = by.setdefault(o["instance"], dict(o))
                    # each solver's latest result; a rex-only line has "kep": null
                    for solver in ("rex", "kep"):
                        if o.get(solver) is not None:
                            row[solver] = o[solver]
    return headers, list(by.values())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="*", default=[os.path.join(HERE, "results.jsonl")])
    ap.add_argument("-o", "--out", default=os.path.join(HERE, "time_vs_size.svg"))
    a = ap.parse_args()
    headers, rs = load(a.results)
    rs = [r for r in rs if r.get("pairs") is not None and r.get("arcs") is not None]

    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    for ax, key, label, logx in ((axes[0], "pairs", "pairs (paired donors)", False),
                                 (axes[1], "arcs", "arcs in the compatibility graph", True)):
        def pts(sel, solver):
            xs = [r[key] for r in sel]
            ys = [max(FLOOR, r[solver]["seconds"]) for r in sel]
            return xs, ys

        rex_ok = [r for r in rs if r["rex"]["status"] == "optimal"]
        # both solvers are given the same limit; a kep-solver run killed by the outer timeout has
        # seconds = wall time of the killed process
        rex_bad = [r for r in rs if r["rex"]["status"] != "optimal" and r["rex"]["seconds"] is not None]
        kep = [r for r in rs if r.get("kep") is not None and r["kep"]["seconds"] is not None]
        kep_ok = [r for r in kep if r["kep"]["status"] in ("optimal", "over_limit")]
        kep_to = [r for r in kep if r["kep"]["status"] not in ("optimal", "over_limit")]

        ax.scatter(*pts(kep_ok, "kep"), s=18, marker="s", facecolors="none", edgecolors="tab:orange",
                   label="kep-solver 4.0.2 (PICEF + CBC), proven optimal")
        if kep_to:
            ax.scatter(*pts(kep_to, "kep"), s=40, marker="x", color="tab:red",
                       label="kep-solver time-out (not proven)")
        ax.scatter(*pts(rex_ok, "rex"), s=14, marker="o", color="tab:blue", alpha=0.8,
                   label="rex match, optimal")
        if rex_bad:
            ax.scatter(*pts(rex_bad, "rex"), s=40, marker="x", color="black", label="rex time-out (not proven optimal)")
        if headers:
            t = headers[0].get("timeout")
            if t:
                ax.axhline(t, color="tab:red", lw=0.8, ls=":")
        ax.axhline(5, color="tab:blue", lw=0.8, ls="--")
        ax.set_yscale("log")
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(True, which="both", lw=0.3, alpha=0.5)
    axes[0].set_ylabel("solve time, s (log; < 1 ms drawn at 1 ms)")
    axes[1].legend(loc="upper left", fontsize=8)
    h = headers[0] if headers else {}
    title = (f"K=3, L=3, objective = number of transplants; {len(rs)} instances; "
             f"{h.get('nproc', '?')}-core {h.get('cpu_model', '')}, time limit {h.get('timeout', '?')} s "
             f"(dotted red), 5 s target (dashed blue)")
    if len(a.results) > 1:
        firsts = [x for x in headers if x.get("path") is not None]
        title += "\n" + "; ".join(
            f"{os.path.basename(x['path'])}: rex {x.get('git_commit', '?')[:7]}, {x.get('date_utc', '?')[:10]}"
            for x in firsts)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(a.out)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
