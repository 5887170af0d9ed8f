// Register-tiled products for grouped 1x1 convolutions (grouped_pointwise.h).
// A tile is up to R rows x V vectors of one group's output in R * V
// accumulators, over the group's k inputs: per input, V loads of the packed
// weights, one broadcast per row, R * V FMAs. Rows are split among threads;
// every output is its bias plus the k products in order, so the result
// depends neither on the thread count nor on the vector width. The tiles
// (grouped_pointwise_tiles.inc) are built twice by `#pragma GCC target` (the
// addon's baseline build is x86-64) and chosen at run time: AVX-512 where the
// CPU has it (16 lanes, 8 x 3 tiles in its 32 registers), else AVX2 and FMA
// (8 lanes, 6 x 2 tiles in 16). On a 2-core Zen 5 the AVX-512 tiles ran the
// DResNet layers' products at 1.6-2x the AVX2 tiles' speed.
#include "grouped_pointwise.h"

#include <ATen/Parallel.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

// The tiles' loops over rows and vectors unrolled, so the accumulators live in registers.
#define DRESNET_UNROLL _Pragma("GCC unroll 8")

namespace dresnet {
namespace {

// Rows a thread takes at a time (a product's parallel grain and block); rows summed
// together before the fixed-order sum over blocks (a Gram matrix); rows every
// tile of a Gram block runs over before the next span.
constexpr int64_t kRowGrain = 96, kGramRows = 256, kGramSpan = 32;
// A group's weights up to this size stay in L1 while a product walks the rows (bytes).
constexpr int64_t kWeightsInL1 = 16 * 1024;
// The largest partial-sum buffer a thread keeps for its next Gram (64 MiB).
constexpr size_t kKeptGramFloats = size_t{16} << 20;

struct Product {
  const float* a;     // row r of group g: a + r * lda + g * k
  const float* b;     // group g's [k, nPad]: b + g * k * nPad
  const float* bias;  // group g's nPad: bias + g * nPad, or null
  float* y;           // row r of group g: y + r * ldy + g * n
  int64_t lda, ldy, k, n, nPad;
  float lo, hi;
};

struct Gram {
  const float* a;  // row r of group g: a + r * lda + g * k
  const float* d;  // row r of group g: d + r * ldd + g * n
  float* out;      // group g's [k, nPad] of this block of rows: out + g * k * nPad
  int64_t lda, ldd, k, n, nPad;
};

}  // namespace

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
struct Isa {
  using Vec = __m256;
  using Mask = __m256i;
  static constexpr int64_t kLanes = 8;
  static constexpr int kTileRows = 6, kMaxVectors = 2;
  // Lanes [0, valid) of a vector.
  static Mask mask(int64_t valid) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min(valid, kLanes))), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec set1(float x) { return _mm256_set1_ps(x); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static Vec loadMasked(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static Vec broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  // max/min return their second operand when either is NaN: NaNs pass through the clamp.
  static Vec clamp(Vec lo, Vec hi, Vec x) { return _mm256_min_ps(hi, _mm256_max_ps(lo, x)); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  static void storeMasked(float* p, Mask m, Vec v) { _mm256_maskstore_ps(p, m, v); }
};
#include "grouped_pointwise_tiles.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f")
#pragma GCC diagnostic push
// GCC 12's _mm512_min_ps/_mm512_max_ps start from _mm512_undefined_ps (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace avx512 {
struct Isa {
  using Vec = __m512;
  using Mask = __mmask16;
  static constexpr int64_t kLanes = 16;
  static constexpr int kTileRows = 8, kMaxVectors = 3;
  static Mask mask(int64_t valid) { return static_cast<Mask>((1u << std::min(valid, kLanes)) - 1); }
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec set1(float x) { return _mm512_set1_ps(x); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static Vec loadMasked(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static Vec broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  static Vec clamp(Vec lo, Vec hi, Vec x) { return _mm512_min_ps(hi, _mm512_max_ps(lo, x)); }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  static void storeMasked(float* p, Mask m, Vec v) { _mm512_mask_storeu_ps(p, m, v); }
};
#include "grouped_pointwise_tiles.inc"
}  // namespace avx512
#pragma GCC diagnostic pop
#pragma GCC pop_options

namespace {

int64_t lanes() { return groupedPointwiseWide() ? avx512::kLanes : avx2::kLanes; }

int64_t padded(int64_t n) { return (n + lanes() - 1) / lanes() * lanes(); }

void productBlock(const Product& p, int64_t groups, int64_t begin, int64_t end) {
  if (groupedPointwiseWide()) return avx512::productBlock(p, groups, begin, end);
  avx2::productBlock(p, groups, begin, end);
}

void gramBlock(const Gram& p, int64_t groups, int64_t begin, int64_t end) {
  if (groupedPointwiseWide()) return avx512::gramBlock(p, groups, begin, end);
  avx2::gramBlock(p, groups, begin, end);
}

}  // namespace

// DRESNET_CPU_ISA=avx2 keeps the AVX2 tiles on an AVX-512 CPU (to compare the two).
bool groupedPointwiseWide() {
  static const bool yes = [] {
    const char* isa = std::getenv("DRESNET_CPU_ISA");
    return __builtin_cpu_supports("avx512f") && (isa == nullptr || std::string_view(isa) != "avx2");
  }();
  return yes;
}

bool groupedPointwiseSupported() {
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
}

at::Tensor groupedRowsProduct(const at::Tensor& a, const at::Tensor& b, const at::Tensor& bias, Clamp clamp, bool parallel) {
  const int64_t groups = b.size(0), k = b.size(1), n = b.size(2), nPad = padded(n), rows = a.size(0);
  // Weights and bias padded to whole vectors with zeros: a tile's loads stay
  // inside its group's row. Whole vectors already, laid out as read, they are read in place.
  at::Tensor packed = b;
  if (n != nPad || !b.is_contiguous()) {
    packed = at::zeros({groups, k, nPad}, b.options());
    packed.slice(2, 0, n).copy_(b);
  }
  at::Tensor packedBias;
  if (bias.defined()) {
    packedBias = at::zeros({groups, nPad}, b.options());
    packedBias.slice(1, 0, n).copy_(bias.view({groups, n}));
  }
  at::Tensor y = at::empty({rows, groups * n}, a.options());
  const Product p{a.data_ptr<float>(), packed.data_ptr<float>(), bias.defined() ? packedBias.data_ptr<float>() : nullptr,
                  y.data_ptr<float>(), a.size(1), groups * n, k, n, nPad, clamp.lo, clamp.hi};
  at::parallel_for(0, rows, parallel ? kRowGrain : rows, [&](int64_t begin, int64_t end) { productBlock(p, groups, begin, end); });
  return y;
}

at::Tensor groupedRowsGram(const at::Tensor& a, const at::Tensor& d, int64_t groups, bool parallel) {
  const int64_t rows = a.size(0), k = a.size(1) / groups, n = d.size(1) / groups, nPad = padded(n);
  const int64_t blocks = std::max<int64_t>(1, (rows + kGramRows - 1) / kGramRows), perBlock = groups * k * nPad;
  // Kept between calls up to kKeptGramFloats: a fresh buffer of this size
  // (1-2 MB at DResNet's layers at 128 px) comes from mmap, and faulting its
  // pages in took longer than the sums at 33x33 and 17x17.
  static thread_local std::vector<float> kept;
  const size_t size = static_cast<size_t>(blocks * perBlock);
  at::Tensor fresh;
  if (size <= kKeptGramFloats) {
    kept.resize(std::max(kept.size(), size));
  } else {
    fresh = at::empty({static_cast<int64_t>(size)}, a.options());
  }
  float* out = fresh.defined() ? fresh.data_ptr<float>() : kept.data();
  const float *pa = a.data_ptr<float>(), *pd = d.data_ptr<float>();
  at::parallel_for(0, blocks, parallel ? 1 : blocks, [&](int64_t first, int64_t last) {
    for (int64_t block = first; block < last; ++block) {
      const Gram p{pa, pd, out + block * perBlock, a.size(1), d.size(1), k, n, nPad};
      gramBlock(p, groups, block * kGramRows, std::min(rows, (block + 1) * kGramRows));
    }
  });
  // The blocks' sums added in block order, element by element.
  at::Tensor sum = at::empty({groups, k, nPad}, a.options());
  float* total = sum.data_ptr<float>();
  at::parallel_for(0, perBlock, parallel ? 1024 : perBlock, [&](int64_t begin, int64_t end) {
    std::copy(out + begin, out + end, total + begin);
    for (int64_t block = 1; block < blocks; ++block) {
      const float* from = out + block * perBlock;
#pragma omp simd
      for (int64_t e = begin; e < end; ++e) total[e] += from[e];
    }
  });
  return sum.slice(2, 0, n).contiguous();
}

}  // namespace dresnet
