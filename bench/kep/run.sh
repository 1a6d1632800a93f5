#!/usr/bin/env bash
# Benchmark rex match vs kep-solver 4.0.2 on ../shared/data/kep (K=3, L=3).
# Creates/reuses the virtualenv target/bench-venv (kep-solver==4.0.2, matplotlib: bench-only
# Python deps), then runs bench/kep/compare.py with the given options, e.g.
#   bench/kep/run.sh --timeout 120                      # everything, appends to results.jsonl
#   bench/kep/run.sh --timeout 120 --resume             # continue an interrupted run
#   bench/kep/run.sh --only 'preflib/*' --timeout 60    # one set
# Afterwards: target/bench-venv/bin/python bench/kep/summary.py; ... bench/kep/plot.py
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/target/bench-venv"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import kep_solver, matplotlib, importlib.metadata as m; assert m.version('kep-solver') == '4.0.2'" 2>/dev/null; then
  "$VENV/bin/pip" install -q "kep-solver==4.0.2" matplotlib
fi
cd "$ROOT"
exec "$VENV/bin/python" "$ROOT/bench/kep/compare.py" "$@"
