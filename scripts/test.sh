#!/usr/bin/env bash
# The test command: every test of the workspace, then the doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export REX_KEP_DATA="${REX_KEP_DATA:-$(pwd)/../shared/data/kep}"
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc
