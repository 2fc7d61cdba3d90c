#!/usr/bin/env bash
# The main demo: sets up .venv if needed, then runs the toy domain-shift benchmark (source-only,
# AdaptSegNet-style and CLAN, trained and tested on CPU). Extra arguments go to
# tools/toy_benchmark.py, e.g. `tools/run_demo.sh --seeds 0 1 2` or `tools/run_demo.sh --quick`.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO_ROOT/tools/setup_env.sh"
cd "$REPO_ROOT"
"$VENV/bin/python" tools/toy_benchmark.py "$@"
