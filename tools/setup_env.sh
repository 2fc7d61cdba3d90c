#!/usr/bin/env bash
# Creates .venv in the repository root and installs mmseg-clan into it in editable mode.
# Sourced by tools/run_demo.sh and tools/run_tests.sh; safe to run again (it skips finished work).
#
# torch: a torch that the chosen Python already has is reused (the venv sees system packages);
#        otherwise the CPU build where no NVIDIA GPU is visible, else PyPI's default CUDA build.
#        Set MMSEG_CLAN_TORCH="torch==X" / MMSEG_CLAN_TORCH_INDEX_URL=... to choose another.
# mmcv:  an existing full mmcv (with compiled ops) is kept; otherwise mmcv-lite is installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${PYTHON:-python3}"
PIP_QUIET="${PIP_QUIET:--q}"

if [ ! -x "$VENV/bin/python" ]; then
    if "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
        echo "[setup] reusing the torch installed for $PYTHON"
        "$PYTHON" -m venv --system-site-packages "$VENV"
    else
        "$PYTHON" -m venv "$VENV"
    fi
fi
VPY="$VENV/bin/python"

stamp="$VENV/.mmseg_clan_installed"
want="$(cat "$REPO_ROOT/pyproject.toml" "$REPO_ROOT/tools/setup_env.sh" | cksum)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0 2>/dev/null || exit 0
fi

echo "[setup] installing into $VENV"
"$VPY" -m pip install $PIP_QUIET --upgrade "pip>=23"

if ! "$VPY" -c 'import torch' >/dev/null 2>&1; then
    torch_spec="${MMSEG_CLAN_TORCH:-torch==2.13.0}"
    if [ -n "${MMSEG_CLAN_TORCH_INDEX_URL:-}" ]; then
        "$VPY" -m pip install $PIP_QUIET "$torch_spec" --index-url "$MMSEG_CLAN_TORCH_INDEX_URL"
    elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        echo "[setup] NVIDIA GPU found: installing PyPI's CUDA build of torch"
        "$VPY" -m pip install $PIP_QUIET "$torch_spec"
    else
        echo "[setup] no GPU found: installing the CPU build of torch"
        cpu_index=https://download.pytorch.org/whl/cpu
        if "$VPY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
                "$cpu_index/" >/dev/null 2>&1; then
            "$VPY" -m pip install $PIP_QUIET "$torch_spec" --extra-index-url "$cpu_index"
        else
            echo "[setup] $cpu_index is unreachable: taking $torch_spec from the configured" \
                 "index (PyPI serves a CUDA build; set MMSEG_CLAN_TORCH_INDEX_URL to choose)"
            "$VPY" -m pip install $PIP_QUIET "$torch_spec"
        fi
    fi
fi

if "$VPY" -c 'import mmcv.ops' >/dev/null 2>&1; then
    echo "[setup] full mmcv with compiled ops found: keeping it"
    extra="tests"
elif "$VPY" -m pip show -q mmcv >/dev/null 2>&1; then
    echo "[setup] full mmcv is installed (its ops do not import here): keeping it"
    extra="tests"
else
    echo "[setup] no full mmcv: installing mmcv-lite (mmseg-clan supplies pure-PyTorch ops)"
    extra="lite,tests"
fi
"$VPY" -m pip install $PIP_QUIET -e "$REPO_ROOT[$extra]"
echo "$want" > "$stamp"
echo "[setup] done"
