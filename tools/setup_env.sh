#!/usr/bin/env bash
# Creates .venv in the repository root and installs mmseg-clan into it in editable mode.
# Sourced by tools/run_demo.sh and tools/run_tests.sh; safe to run again (it skips finished work).
#
# line:  mmseg/mmengine/mmcv come from one of two lines (README, "Supported OpenMMLab lines").
#        OneDL (onedl-mmsegmentation 1.4.x) when a onedl-mm* distribution is already installed
#        (or MMSEG_CLAN_LINE=onedl), otherwise upstream OpenMMLab (mmsegmentation 1.2.2).
#        On the upstream line every library is pinned by requirements/demo-constraints.txt (the
#        versions the demo's numbers come from; MMSEG_CLAN_CONSTRAINTS= disables, or names
#        another file). MMSEG_CLAN_VENV=DIR puts the environment elsewhere than .venv.
# torch: a torch that the chosen Python already has is reused (the venv sees system packages);
#        otherwise the CPU build where no NVIDIA GPU is visible, else PyPI's default CUDA build.
#        Set MMSEG_CLAN_TORCH="torch==X" / MMSEG_CLAN_TORCH_INDEX_URL=... to choose another.
# mmcv:  an existing full mmcv (with compiled ops) is kept; otherwise mmcv-lite is installed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMSEG_CLAN_VENV:-$REPO_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
PIP_QUIET="${PIP_QUIET:--q}"
CONSTRAINTS="${MMSEG_CLAN_CONSTRAINTS-$REPO_ROOT/requirements/demo-constraints.txt}"
case "${MMSEG_CLAN_LINE:-auto}" in
    auto|upstream|onedl) ;;
    *) echo "[setup] MMSEG_CLAN_LINE must be upstream, onedl or unset, not '$MMSEG_CLAN_LINE'" >&2
       exit 2 ;;
esac
if [ -n "$CONSTRAINTS" ] && [ ! -f "$CONSTRAINTS" ]; then
    echo "[setup] MMSEG_CLAN_CONSTRAINTS names $CONSTRAINTS, which does not exist" >&2
    exit 2
fi

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
want="$( (cat "$REPO_ROOT/pyproject.toml" "$REPO_ROOT/tools/setup_env.sh" ${CONSTRAINTS:+"$CONSTRAINTS"}
          echo "${MMSEG_CLAN_LINE:-auto}") | cksum)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0 2>/dev/null || exit 0
fi

echo "[setup] installing into $VENV"
"$VPY" -m pip install $PIP_QUIET --upgrade "pip>=23"

# torch's default is the demo's pin without its local label (+cpu): the CPU or CUDA build below
pinned_torch="$(grep -m1 '^torch==' "${CONSTRAINTS:-/dev/null}" | sed 's/+.*//' || true)"
if ! "$VPY" -c 'import torch' >/dev/null 2>&1; then
    torch_spec="${MMSEG_CLAN_TORCH:-${pinned_torch:-torch==2.13.0}}"
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

has_dist() { "$VPY" -m pip show -q "$1" >/dev/null 2>&1; }
line="${MMSEG_CLAN_LINE:-auto}"
if [ "$line" = auto ]; then
    line=upstream
    for dist in onedl-mmsegmentation onedl-mmengine onedl-mmcv; do
        if has_dist "$dist"; then
            echo "[setup] $dist is installed: using the OneDL line"
            line=onedl
        fi
    done
fi
constraint_args=()
if [ "$line" = onedl ]; then
    # onedl-mmcv is a source distribution; pip builds it without compiled ops (pure Python)
    extra="onedl,tests"
else
    if "$VPY" -c 'import mmcv.ops' >/dev/null 2>&1; then
        echo "[setup] full mmcv with compiled ops found: keeping it"
        extra="upstream,tests"
    elif has_dist mmcv; then
        echo "[setup] full mmcv is installed (its ops do not import here): keeping it"
        extra="upstream,tests"
    else
        echo "[setup] no full mmcv: installing mmcv-lite (mmseg-clan supplies pure-PyTorch ops)"
        extra="lite,tests"
    fi
    if [ -n "$CONSTRAINTS" ]; then
        # torch was chosen above (CPU/CUDA build, or the one already installed)
        pins="$VENV/demo-constraints-without-torch.txt"
        grep -v '^torch==' "$CONSTRAINTS" > "$pins"
        echo "[setup] pinning the demo's versions ($CONSTRAINTS)"
        constraint_args=(-c "$pins")
    fi
fi
echo "[setup] $line line: installing mmseg-clan[$extra]"
"$VPY" -m pip install $PIP_QUIET "${constraint_args[@]}" -e "$REPO_ROOT[$extra]"
echo "$want" > "$stamp"
echo "[setup] done"
