#!/usr/bin/env bash
# The main demo: sets up .venv if needed, then runs the toy domain-shift benchmark (source-only,
# AdaptSegNet-style and CLAN from a shared pretrained backbone, trained and tested on CPU).
# Extra arguments go to tools/toy_benchmark.py, e.g. `tools/run_demo.sh --full` (3 seeds, the
# two CLAN ablations and the target-supervised oracle) or `tools/run_demo.sh --quick`.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO_ROOT/tools/setup_env.sh"
cd "$REPO_ROOT"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
"$VENV/bin/python" tools/toy_benchmark.py "$@"
