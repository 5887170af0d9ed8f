// Register-tiled products for grouped 1x1 convolutions (grouped_pointwise.h).
// A tile is up to 6 rows x 16 columns of one group's output, in 12 AVX2
// accumulators, over the group's k inputs: per input, two loads of the
// packed weights, one broadcast per row, twelve FMAs. Rows are split among
// threads; every output is its bias plus the k products in order, so the
// result does not depend on the thread count. Built for AVX2 and FMA by
// function attribute (the addon's baseline build is x86-64), chosen at run
// time.
#include "grouped_pointwise.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include <immintrin.h>

#include <algorithm>

#define DRESNET_AVX2 __attribute__((target("avx2,fma")))
// The tiles' loops over rows and vectors unrolled, so the accumulators live in registers.
#define DRESNET_UNROLL _Pragma("GCC unroll 8")

namespace dresnet {
namespace {

constexpr int64_t kLanes = 8;
constexpr int kTileRows = 6;
// Rows a product computes at once (its inputs and outputs stay in cache) and
// rows summed together before the fixed-order sum over blocks (a Gram matrix).
constexpr int64_t kRowGrain = 96, kGramRows = 256;

int64_t padded(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }

// Lanes [0, valid) of a vector.
DRESNET_AVX2 inline __m256i laneMask(int64_t valid) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min(valid, kLanes))), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The columns [j0, j0 + 16) of n that a tile computes: one or two vectors, the last one's lanes.
struct ColumnChunk {
  bool two;
  __m256i last;
};

DRESNET_AVX2 inline ColumnChunk columnChunk(int64_t n, int64_t j0) {
  const int64_t left = n - j0;
  const bool two = left > kLanes;
  return {two, laneMask(two ? left - kLanes : left)};
}

struct Product {
  const float* a;     // row r of group g: a + r * lda + g * k
  const float* b;     // group g's [k, nPad]: b + g * k * nPad
  const float* bias;  // group g's nPad: bias + g * nPad, or null
  float* y;           // row r of group g: y + r * ldy + g * n
  int64_t lda, ldy, k, n, nPad;
  float lo, hi;
};

// Rows [row, row + R) x columns [j0, j0 + 8V) of group g; the last vector keeps the lanes of `last`.
template <int R, int V>
DRESNET_AVX2 void productTile(const Product& p, int64_t row, int64_t g, int64_t j0, __m256i last) {
  __m256 acc[R][V];
  DRESNET_UNROLL for (int v = 0; v < V; ++v) {
    const __m256 init = p.bias != nullptr ? _mm256_loadu_ps(p.bias + g * p.nPad + j0 + v * kLanes) : _mm256_setzero_ps();
    DRESNET_UNROLL for (int r = 0; r < R; ++r) acc[r][v] = init;
  }
  const float* a = p.a + row * p.lda + g * p.k;
  const float* b = p.b + g * p.k * p.nPad + j0;
  for (int64_t i = 0; i < p.k; ++i) {
    __m256 bv[V];
    DRESNET_UNROLL for (int v = 0; v < V; ++v) bv[v] = _mm256_loadu_ps(b + i * p.nPad + v * kLanes);
    DRESNET_UNROLL for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * p.lda + i);
      DRESNET_UNROLL for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  // max/min return their second operand when either is NaN: NaNs pass through the clamp.
  const __m256 lo = _mm256_set1_ps(p.lo), hi = _mm256_set1_ps(p.hi);
  float* y = p.y + row * p.ldy + g * p.n + j0;
  DRESNET_UNROLL for (int r = 0; r < R; ++r) {
    DRESNET_UNROLL for (int v = 0; v < V; ++v) {
      const __m256 out = _mm256_min_ps(hi, _mm256_max_ps(lo, acc[r][v]));
      float* at = y + r * p.ldy + v * kLanes;
      if (v == V - 1) {
        _mm256_maskstore_ps(at, last, out);
      } else {
        _mm256_storeu_ps(at, out);
      }
    }
  }
}

template <int V>
DRESNET_AVX2 void productRows(const Product& p, int64_t row, int64_t rows, int64_t g, int64_t j0, __m256i last) {
  switch (rows) {
    case 6: return productTile<6, V>(p, row, g, j0, last);
    case 5: return productTile<5, V>(p, row, g, j0, last);
    case 4: return productTile<4, V>(p, row, g, j0, last);
    case 3: return productTile<3, V>(p, row, g, j0, last);
    case 2: return productTile<2, V>(p, row, g, j0, last);
    default: return productTile<1, V>(p, row, g, j0, last);
  }
}

// Rows [begin, end) a block of kRowGrain at a time, so that a block's rows
// stay in cache while every group and column chunk reads them.
DRESNET_AVX2 void productBlock(const Product& p, int64_t groups, int64_t begin, int64_t end) {
  for (int64_t first = begin; first < end; first += kRowGrain) {
    const int64_t last = std::min(end, first + kRowGrain);
    for (int64_t g = 0; g < groups; ++g) {
      for (int64_t j0 = 0; j0 < p.n; j0 += 2 * kLanes) {
        const ColumnChunk chunk = columnChunk(p.n, j0);
        for (int64_t row = first; row < last; row += kTileRows) {
          const int64_t rows = std::min<int64_t>(kTileRows, last - row);
          if (chunk.two) {
            productRows<2>(p, row, rows, g, j0, chunk.last);
          } else {
            productRows<1>(p, row, rows, g, j0, chunk.last);
          }
        }
      }
    }
  }
}

struct Gram {
  const float* a;  // row r of group g: a + r * lda + g * k
  const float* d;  // row r of group g: d + r * ldd + g * n
  float* out;      // group g's [k, nPad] of this block of rows: out + g * k * nPad
  int64_t lda, ldd, k, n, nPad;
};

// out[i0 + r][j0 + 8v + lane] = sum over rows [begin, end) of a[row][i0 + r] d[row][j0 + 8v + lane], for group g.
template <int R, int V>
DRESNET_AVX2 void gramTile(const Gram& p, int64_t begin, int64_t end, int64_t g, int64_t i0, int64_t j0, __m256i last) {
  __m256 acc[R][V];
  DRESNET_UNROLL for (int r = 0; r < R; ++r) {
    DRESNET_UNROLL for (int v = 0; v < V; ++v) acc[r][v] = _mm256_setzero_ps();
  }
  for (int64_t row = begin; row < end; ++row) {
    const float* a = p.a + row * p.lda + g * p.k + i0;
    const float* d = p.d + row * p.ldd + g * p.n + j0;
    __m256 dv[V];
    DRESNET_UNROLL for (int v = 0; v < V; ++v) dv[v] = v == V - 1 ? _mm256_maskload_ps(d + v * kLanes, last) : _mm256_loadu_ps(d + v * kLanes);
    DRESNET_UNROLL for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      DRESNET_UNROLL for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_ps(av, dv[v], acc[r][v]);
    }
  }
  float* out = p.out + g * p.k * p.nPad + i0 * p.nPad + j0;
  DRESNET_UNROLL for (int r = 0; r < R; ++r) {
    DRESNET_UNROLL for (int v = 0; v < V; ++v) _mm256_storeu_ps(out + r * p.nPad + v * kLanes, acc[r][v]);
  }
}

template <int V>
DRESNET_AVX2 void gramRows(const Gram& p, int64_t begin, int64_t end, int64_t g, int64_t i0, int64_t inputs, int64_t j0,
                           __m256i last) {
  switch (inputs) {
    case 6: return gramTile<6, V>(p, begin, end, g, i0, j0, last);
    case 5: return gramTile<5, V>(p, begin, end, g, i0, j0, last);
    case 4: return gramTile<4, V>(p, begin, end, g, i0, j0, last);
    case 3: return gramTile<3, V>(p, begin, end, g, i0, j0, last);
    case 2: return gramTile<2, V>(p, begin, end, g, i0, j0, last);
    default: return gramTile<1, V>(p, begin, end, g, i0, j0, last);
  }
}

DRESNET_AVX2 void gramBlock(const Gram& p, int64_t groups, int64_t begin, int64_t end) {
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t j0 = 0; j0 < p.n; j0 += 2 * kLanes) {
      const ColumnChunk chunk = columnChunk(p.n, j0);
      for (int64_t i0 = 0; i0 < p.k; i0 += kTileRows) {
        const int64_t inputs = std::min<int64_t>(kTileRows, p.k - i0);
        if (chunk.two) {
          gramRows<2>(p, begin, end, g, i0, inputs, j0, chunk.last);
        } else {
          gramRows<1>(p, begin, end, g, i0, inputs, j0, chunk.last);
        }
      }
    }
  }
}

}  // namespace

bool groupedPointwiseSupported() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}

at::Tensor groupedRowsProduct(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias, Clamp clamp) {
  const int64_t groups = b.size(0), k = b.size(1), n = b.size(2), nPad = padded(n), rows = a.size(0);
  // Weights and bias padded to whole vectors with zeros: a tile's loads stay inside its group's row.
  at::Tensor packed = at::zeros({groups, k, nPad}, b.options());
  packed.slice(2, 0, n).copy_(b);
  at::Tensor packedBias;
  if (bias.defined()) {
    packedBias = at::zeros({groups, nPad}, b.options());
    packedBias.slice(1, 0, n).copy_(bias.view({groups, n}));
  }
  at::Tensor y = at::empty({rows, groups * n}, a.options());
  const Product p{a.data_ptr<float>(), packed.data_ptr<float>(), bias.defined() ? packedBias.data_ptr<float>() : nullptr,
                  y.data_ptr<float>(), a.size(1), groups * n, k, n, nPad, clamp.lo, clamp.hi};
  at::parallel_for(0, rows, kRowGrain, [&](int64_t begin, int64_t end) { productBlock(p, groups, begin, end); });
  return y;
}

at::Tensor groupedRowsGram(const at::Tensor& a, const at::Tensor& d, int64_t groups) {
  const int64_t rows = a.size(0), k = a.size(1) / groups, n = d.size(1) / groups, nPad = padded(n);
  const int64_t blocks = std::max<int64_t>(1, (rows + kGramRows - 1) / kGramRows), perBlock = groups * k * nPad;
  at::Tensor partial = at::empty({blocks, groups, k, nPad}, a.options());
  float* out = partial.data_ptr<float>();
  const float *pa = a.data_ptr<float>(), *pd = d.data_ptr<float>();
  at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
    for (int64_t block = first; block < last; ++block) {
      const Gram p{pa, pd, out + block * perBlock, a.size(1), d.size(1), k, n, nPad};
      gramBlock(p, groups, block * kGramRows, std::min(rows, (block + 1) * kGramRows));
    }
  });
  at::Tensor sum = at::empty({groups, k, nPad}, a.options());
  float* total = sum.data_ptr<float>();
  at::parallel_for(0, perBlock, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t e = begin; e < end; ++e) {
      float s = out[e];
      for (int64_t block = 1; block < blocks; ++block) s += out[block * perBlock + e];
      total[e] = s;
    }
  });
  return sum.slice(2, 0, n).contiguous();
}

}  // namespace dresnet
