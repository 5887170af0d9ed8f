#!/usr/bin/env bash
# Verifies the torch backend on a CUDA GPU, against PyTorch on the same card:
#   1. builds the addon against a CUDA libtorch (LIBTORCH, default: the torch/
#      folder of the PyTorch that `python3` imports) and checks it reports CUDA;
#   2. scripts/cuda-check.js: every zoo model's training step on the GPU equals
#      the CPU one (float64: same function; float32: loss), all tensors on the GPU;
#   3. dresnet bench --device cuda: training img/s and batch-1 latency beside
#      PyTorch eager on the same GPU (torchvision models), at the issue's
#      128 px / batch 32 and at the paper's 224 px / batch 64;
#   4. tfjs-core's jasmine suite on the torch backend with device cuda;
#   5. scripts/cuda-graph-check.js: every zoo model's training steps replayed
#      as captured CUDA graphs (native/src/graph.h) against eager steps on the
#      same GPU, and the 128 px bench again with --compile --cuda-graphs.
# Each step's log goes to OUT_DIR (default results/cuda); a failed step (or
# one past STEP_TIMEOUT seconds) does not stop the later ones, and the script
# exits non-zero if any failed. SKIP names steps not to run (a lease's minutes
# may not cover all of them).
#
#   [LIBTORCH=/path/to/torch] [PYTHON=python3] [SKIP="bench-224 ..."] scripts/cuda-verify.sh [OUT_DIR]
#
# Needs node 20 with this repo's node_modules (npm install) and `npm run build`
# done; a CUDA PyTorch with torchvision; g++, make and python3 for node-gyp.
set -u
cd "$(dirname "$0")/.."
OUT_DIR=${1:-results/cuda}
PYTHON=${PYTHON:-python3}
STEP_TIMEOUT=${STEP_TIMEOUT:-1800}
SKIP=${SKIP:-}
mkdir -p "$OUT_DIR"
export LIBTORCH=${LIBTORCH:-$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))')}
status=0

step() {
  local name=$1
  shift
  if [[ " $SKIP " == *" $name "* ]]; then echo "== $name: skipped (SKIP)"; return; fi
  echo "== $name: $*"
  local start=$SECONDS
  if timeout "$STEP_TIMEOUT" "$@" >"$OUT_DIR/$name.log" 2>&1; then
    echo "   ok ($((SECONDS - start)) s)"
  else
    echo "   FAILED ($((SECONDS - start)) s), last lines of $OUT_DIR/$name.log:"
    tail -n 25 "$OUT_DIR/$name.log" | sed 's/^/   /'
    status=1
  fi
}

{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  "$PYTHON" -c 'import torch, torchvision; print("torch", torch.__version__, "cuda", torch.version.cuda, "torchvision", torchvision.__version__)'
  echo "node $(node --version), $(g++ --version | head -n 1)"
} 2>&1 | tee "$OUT_DIR/machine.txt"

rm -f native/build/dresnet-torch-config.json
step build node scripts/build-native.js
step addon-info node -e "
  const b = require('./native/build/Release/dresnet_torch.node');
  const info = b.info();
  console.log(JSON.stringify(info));
  if (!info.cudaAvailable) { console.error('the addon sees no CUDA'); process.exit(1); }
  b.setDevice('cuda');
  const id = b.create(new Float32Array([1, 2, 3]), [3], 'float32');
  console.log('a created tensor lives on', JSON.stringify(b.placement()));
  if (!b.placement().cuda) process.exit(1);"
step cuda-check node scripts/cuda-check.js --json "$OUT_DIR/cuda-check.json"
step bench node bin/dresnet.js bench --device cuda --threads "$(nproc)" --python "$PYTHON" --size 128 --batch 32 \
  --warmup 5 --steps 20 --latency-runs 50 --kernels 10 --compile --out "$OUT_DIR/bench-128.csv"
step bench-224 node bin/dresnet.js bench --device cuda --threads "$(nproc)" --python "$PYTHON" --size 224 --batch 64 \
  --warmup 5 --steps 10 --latency-runs 30 --out "$OUT_DIR/bench-224.csv"
step cuda-graph-check node scripts/cuda-graph-check.js --device cuda --json "$OUT_DIR/cuda-graph-check.json"
step bench-graphs node bin/dresnet.js bench --device cuda --threads "$(nproc)" --python "$PYTHON" --size 128 --batch 32 \
  --warmup 5 --steps 20 --latency-runs 50 --compile --cuda-graphs --out "$OUT_DIR/bench-128-graphs.csv"
step tfjs-core-suite node dist/test/tfjs-core/run.js --backend torch --device cuda --json "$OUT_DIR/tfjs-core-cuda.json"
for log in "$OUT_DIR"/*.log; do echo "== tail of $log"; tail -n 12 "$log"; done
exit $status
