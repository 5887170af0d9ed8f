# Built by scripts/build-native.js, which finds libtorch and passes its paths
# as gyp variables (-Dtorch_include=... etc.).
{
  "variables": {
    "torch_include%": "/usr/include/torch/csrc/api/include",
    "torch_api_include%": "/usr/include/torch/csrc/api/include",
    "torch_lib%": "/usr/lib/x86_64-linux-gnu",
    "torch_link%": "-ltorch -ltorch_cpu -lc10",
    "cxx11_abi%": "1",
    "cxx_std%": "c++17",
    "cuda%": "0",
    "cuda_include%": ""
  },
  "targets": [
    {
      "target_name": "dresnet_torch",
      "sources": [
        "src/addon.cc", "src/ops.cc", "src/plan.cc", "src/plan_fusion.cc", "src/graph.cc",
        "src/ops/elementwise.cc", "src/ops/convolution.cc", "src/ops/pooling.cc", "src/ops/reduction.cc",
        "src/ops/normalization.cc", "src/ops/layout.cc", "src/ops/optimizer.cc",
        "src/batch_norm_rows.cc", "src/pool_rows.cc", "src/depthwise_rows.cc", "src/grouped_pointwise.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(torch_include)",
        "<(torch_api_include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GLIBCXX_USE_CXX11_ABI=<(cxx11_abi)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      # -fopenmp: at::parallel_for is a header template, so without it our own
      # CPU loops (batch_norm_rows.cc, pool_rows.cc) would run on one thread.
      # -fno-trapping-math (as PyTorch builds): lets GCC turn a float compare
      # into a vector select instead of a branch; nothing here enables FP traps.
      "cflags_cc": ["-std=<(cxx_std)", "-O2", "-fopenmp", "-fno-trapping-math", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      # A CUDA libtorch: plans replay as captured CUDA graphs (src/graph.h), which needs CUDA's runtime headers.
      "conditions": [
        ["cuda=='1' and cuda_include!=''", {"defines": ["DRESNET_CUDA_GRAPHS"], "include_dirs": ["<(cuda_include)"]}]
      ],
      "libraries": ["-fopenmp", "-L<(torch_lib)", "-Wl,-rpath,<(torch_lib)", "-Wl,--no-as-needed", "<(torch_link)"]
    }
  ]
}
