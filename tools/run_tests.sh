#!/usr/bin/env bash
# Sets up .venv if needed, then runs ruff and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO_ROOT/tools/setup_env.sh"
cd "$REPO_ROOT"
"$VENV/bin/ruff" check .
"$VENV/bin/python" -m pytest "$@"
