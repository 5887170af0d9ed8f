#!/usr/bin/env bash
# Compiles native/src/graph.cc with its CUDA graph capture enabled
# (DRESNET_CUDA_GRAPHS), as the addon's build does against a CUDA libtorch,
# on a machine without one: against the system libtorch-dev headers (which
# ship ATen/cuda/CUDAGraph.h) and a CUDA toolkit's runtime headers. It checks
# that the capture code compiles against that libtorch's CUDAGraph API; it
# links nothing and runs nothing (that needs a GPU: scripts/cuda-verify.sh).
#
#   [CUDA_HOME=/usr/local/cuda-13.0] scripts/check-cuda-graphs.sh
set -euo pipefail
cd "$(dirname "$0")/../native"
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
if [ -z "$CUDA_HOME" ] || [ ! -f "$CUDA_HOME/include/cuda_runtime_api.h" ]; then
  echo "check-cuda-graphs: no CUDA toolkit headers (set CUDA_HOME to a folder with include/cuda_runtime_api.h)" >&2
  exit 1
fi
shim=$(mktemp -d)
trap 'rm -rf "$shim"' EXIT
# A CPU build of libtorch leaves out the header CMake generates for its CUDA build; its one macro is enough here.
if [ ! -f /usr/include/c10/cuda/impl/cuda_cmake_macros.h ]; then
  mkdir -p "$shim/c10/cuda/impl"
  printf '#pragma once\n#define C10_CUDA_BUILD_SHARED_LIBS\n' >"$shim/c10/cuda/impl/cuda_cmake_macros.h"
fi
node_include="$(dirname "$(dirname "$(command -v node)")")/include/node"
g++ -std=c++17 -fsyntax-only -Wall -Wno-unused-parameter -Wno-deprecated-declarations \
  -DDRESNET_CUDA_GRAPHS -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -D_GLIBCXX_USE_CXX11_ABI=1 \
  -I"$node_include" -I"$(node -p "require('node-addon-api').include_dir")" \
  -I/usr/include/torch/csrc/api/include -I"$CUDA_HOME/include" -I"$shim" src/graph.cc
version=/usr/include/torch/csrc/api/include/torch/version.h
torch="$(awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH)/ {printf "%s%s", sep, $3; sep="."}' "$version")"
echo "check-cuda-graphs: src/graph.cc compiles with DRESNET_CUDA_GRAPHS against libtorch $torch and $(readlink -f "$CUDA_HOME")"
