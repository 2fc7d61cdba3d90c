#!/usr/bin/env bash
# Every measurement of docs/benchmarks.md in one run, ONE JSON line per setting on stdout.
#
#   BENCH_PYTHON=.venv/bin/python bash tools/benchmark_gpu.sh download
#       here, with registry access: the mmseg stack as Python 3.12 wheels in $BENCH_WHEELS
#   bash tools/benchmark_gpu.sh
#       on the GPU machine (offline): installs those wheels into a temporary folder if mmseg is
#       missing, then runs each setting under its own time budget; a setting that fails, runs out
#       of time or needs CUDA on a CPU device prints a JSON line saying so, and the run goes on.
#
# Parameters (environment; defaults = the paper's settings on one GPU, about 7.5 minutes):
#   BENCH_PYTHON (python3), BENCH_WHEELS (work_dirs/gpu_wheels; empty: no install),
#   BENCH_CONFIG (configs/clan_gta2city.py), BENCH_CONTROL_CONFIG (mmseg's DeepLabV3 R101-D8),
#   BENCH_DEVICE (cuda), BENCH_FLOAT (tf32: the float32 mode of the "tf32" settings; fp32 on CPU),
#   BENCH_SOURCE_SIZE ("720 1280"), BENCH_TARGET_SIZE ("512 1024"), BENCH_CONTROL_SIZE
#   ("512 1024"), BENCH_INFER_INPUT ("512 1024"), BENCH_INFER_OUTPUT ("1024 2048"),
#   BENCH_INFER_IMAGES (32), BENCH_ITERS (20), BENCH_WARMUP (5), BENCH_INFER_ITERS (5),
#   BENCH_COMPILE_BACKEND (inductor), BENCH_BUDGET_S (45: per eager setting),
#   BENCH_BUDGET_COMPILE_S (110: per compiled setting), BENCH_TOTAL_S (440: the whole run),
#   BENCH_ONLY (space-separated setting names; default all), BENCH_LOG_DIR ($OUT or
#   work_dirs/benchmark_gpu: benchmark_gpu.jsonl and every setting's stderr in benchmark_gpu.log).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 1
PY=${BENCH_PYTHON:-python3}
WHEELS=${BENCH_WHEELS-work_dirs/gpu_wheels}
# Pure-python packages the GPU image lacks (its torch, numpy, opencv, pillow, scipy, matplotlib,
# rich, pyyaml, regex and packaging are used as they are); versions as in the project's venv.
WHEEL_PINS="mmengine==0.10.7 mmcv-lite==2.1.0 mmsegmentation==1.2.2 addict==2.4.0 yapf==0.43.0
platformdirs==4.14.9 termcolor==3.3.0 prettytable==3.18.0 wcwidth==0.9.4 ftfy==6.3.1"

if [ "${1:-}" = download ]; then
  mkdir -p "$WHEELS" || exit 1
  # shellcheck disable=SC2086
  exec "$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$WHEELS" $WHEEL_PINS
fi

CONFIG=${BENCH_CONFIG:-configs/clan_gta2city.py}
CONTROL_CONFIG=${BENCH_CONTROL_CONFIG:-mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py}
DEVICE=${BENCH_DEVICE:-cuda}
FLOAT=${BENCH_FLOAT:-tf32}
SOURCE_SIZE=${BENCH_SOURCE_SIZE:-720 1280}
TARGET_SIZE=${BENCH_TARGET_SIZE:-512 1024}
CONTROL_SIZE=${BENCH_CONTROL_SIZE:-512 1024}
INFER_INPUT=${BENCH_INFER_INPUT:-512 1024}
INFER_OUTPUT=${BENCH_INFER_OUTPUT:-1024 2048}
INFER_IMAGES=${BENCH_INFER_IMAGES:-32}
ITERS=${BENCH_ITERS:-20}
WARMUP=${BENCH_WARMUP:-5}
INFER_ITERS=${BENCH_INFER_ITERS:-5}
BACKEND=${BENCH_COMPILE_BACKEND:-inductor}
BUDGET=${BENCH_BUDGET_S:-45}
BUDGET_COMPILE=${BENCH_BUDGET_COMPILE_S:-110}
TOTAL=${BENCH_TOTAL_S:-440}
ONLY=${BENCH_ONLY:-}
LOG_DIR=${BENCH_LOG_DIR:-${OUT:-work_dirs/benchmark_gpu}}
mkdir -p "$LOG_DIR" || exit 1
JSONL=$LOG_DIR/benchmark_gpu.jsonl
LOG=$LOG_DIR/benchmark_gpu.log
: >"$JSONL"
: >"$LOG"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} PYTHONWARNINGS=${PYTHONWARNINGS:-ignore}
SECONDS=0

# emit SETTING STATUS [key=value ...] [--report FILE] [--stderr FILE]: one JSON line, stdout + file
emit() {
  "$PY" - "$@" <<'EOF' | tee -a "$JSONL"
import json, sys
line = dict(setting=sys.argv[1], status=sys.argv[2])
args = sys.argv[3:]
while args:
    arg = args.pop(0)
    if arg == '--report':  # the tool's own JSON line, if it printed one
        text = open(args.pop(0)).read().strip().splitlines()
        if text:
            line.update(json.loads(text[-1]))
    elif arg == '--stderr':  # the last non-empty line: the exception
        text = [s for s in open(args.pop(0), errors='replace').read().splitlines() if s.strip()]
        line['error'] = text[-1][-500:] if text else ''
    else:
        key, value = arg.split('=', 1)
        try:
            line[key] = json.loads(value)
        except ValueError:
            line[key] = value
print(json.dumps(line, sort_keys=True), flush=True)
EOF
}

setup() {
  local installed=none
  if ! "$PY" -c 'import mmengine, mmcv, mmseg' 2>/dev/null; then
    if [ -z "$WHEELS" ] || ! ls "$WHEELS"/*.whl >/dev/null 2>&1; then
      emit setup error "error=mmseg is not importable and no wheels in BENCH_WHEELS=$WHEELS"
      exit 1
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target \
      "$TMP/site" "$WHEELS"/*.whl >>"$LOG" 2>&1 || { emit setup error "error=pip install \
failed, see $LOG"; exit 1; }
    installed=$(cd "$WHEELS" && ls -- *.whl | tr '\n' ' ')
    export PYTHONPATH=$TMP/site:$REPO${PYTHONPATH:+:$PYTHONPATH}
  else
    export PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH}
  fi
  if ! "$PY" -c 'import mmengine, mmcv, mmseg, mmseg_clan' >"$TMP/out" 2>"$TMP/err"; then
    cat "$TMP/err" >>"$LOG"
    emit setup error "installed=$installed" --stderr "$TMP/err"
    exit 1
  fi
  local gpu=none
  if command -v nvidia-smi >/dev/null 2>&1; then
    gpu=$(nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,\
utilization.gpu,memory.used --format=csv,noheader 2>&1 | head -1)
  fi
  emit setup ok "installed=$installed" "nvidia_smi=$gpu" "device=$DEVICE" \
    "python=$("$PY" -c 'import platform; print(platform.python_version())')" \
    "elapsed_s=$SECONDS"
}

# setting NAME KIND(eager|compile) NEEDS_CUDA(0|1) TOOL ARGS...: run it under its own budget
setting() {
  local name=$1 kind=$2 needs_cuda=$3
  shift 3
  if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then
    return
  fi
  if [ "$needs_cuda" = 1 ] && [[ $DEVICE != cuda* ]]; then
    emit "$name" skipped "reason=needs CUDA, BENCH_DEVICE=$DEVICE" "elapsed_s=$SECONDS"
    return
  fi
  local budget=$BUDGET
  [ "$kind" = compile ] && budget=$BUDGET_COMPILE
  local left=$((TOTAL - SECONDS - 5))
  if [ "$left" -lt "$budget" ]; then
    budget=$left
  fi
  if [ "$budget" -lt 1 ]; then
    emit "$name" skipped "reason=BENCH_TOTAL_S=$TOTAL spent" "elapsed_s=$SECONDS"
    return
  fi
  local start=$SECONDS rc=0
  echo "=== $name (budget ${budget}s): $*" >>"$LOG"
  timeout -k 5 "$budget" "$PY" "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  cat "$TMP/err" >>"$LOG"
  local common=("budget_s=$budget" "setting_s=$((SECONDS - start))" "elapsed_s=$SECONDS")
  if [ "$rc" = 0 ]; then
    emit "$name" ok "${common[@]}" --report "$TMP/out"
  elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    emit "$name" timeout "rc=$rc" "${common[@]}" --stderr "$TMP/err"
  else
    emit "$name" error "rc=$rc" "${common[@]}" --stderr "$TMP/err"
  fi
}

setup
# shellcheck disable=SC2206
SRC=($SOURCE_SIZE) TGT=($TARGET_SIZE) CTL=($CONTROL_SIZE) IN=($INFER_INPUT) OUTSZ=($INFER_OUTPUT)
TRAIN=(tools/benchmark_train.py "$CONFIG" --device "$DEVICE" --batch-size 1 --source-size
  "${SRC[@]}" --target-size "${TGT[@]}" --iters "$ITERS" --warmup "$WARMUP"
  --compile-backend "$BACKEND")
CONTROL=(tools/benchmark_control.py "$CONTROL_CONFIG" --device "$DEVICE" --batch-size 2 --size
  "${CTL[@]}" --iters "$ITERS" --warmup "$WARMUP")
INFER=(tools/benchmark_infer.py "$CONFIG" --device "$DEVICE" --precision "$FLOAT" --input-size
  "${IN[@]}" --output-size "${OUTSZ[@]}" --num-images "$INFER_IMAGES" --iters "$INFER_ITERS"
  --warmup 1 --compile-backend "$BACKEND")

# Most informative first, so a short budget still yields the baselines and the control.
setting control_tf32 eager 0 "${CONTROL[@]}" --precision "$FLOAT"
setting train_tf32 eager 0 "${TRAIN[@]}" --precision "$FLOAT"
setting train_bf16 eager 1 "${TRAIN[@]}" --precision amp-bf16
setting control_bf16 eager 1 "${CONTROL[@]}" --precision amp-bf16
setting train_fp16 eager 1 "${TRAIN[@]}" --precision amp-fp16
setting train_tf32_channels_last eager 0 "${TRAIN[@]}" --precision "$FLOAT" --channels-last
setting train_bf16_channels_last eager 1 "${TRAIN[@]}" --precision amp-bf16 --channels-last
setting infer_b1 eager 0 "${INFER[@]}" --batch-size 1
setting infer_b8 eager 0 "${INFER[@]}" --batch-size 8
setting train_tf32_channels_last_compile compile 0 "${TRAIN[@]}" --precision "$FLOAT" \
  --channels-last --compile
setting train_bf16_channels_last_compile compile 1 "${TRAIN[@]}" --precision amp-bf16 \
  --channels-last --compile
setting train_bf16_channels_last_cuda_graphs compile 1 "${TRAIN[@]}" --precision amp-bf16 \
  --channels-last --cuda-graphs
setting infer_b8_cuda_graphs compile 1 "${INFER[@]}" --batch-size 8 --cuda-graphs
emit summary done "elapsed_s=$SECONDS" "jsonl=$JSONL" "log=$LOG"
