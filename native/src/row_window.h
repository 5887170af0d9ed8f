// The window of a pooling or depthwise convolution over channels-last
// [N, H, W, C] activations, for the row kernels (pool_rows, depthwise_rows).
#pragma once

#include <cstdint>

namespace dresnet {

// Size, stride, dilation, the padding before the first row and column (the
// padding after follows from outH/outW), and the output's height and width.
struct RowWindow {
  int64_t kh, kw, sh, sw, dh, dw, top, left, outH, outW;
};

}  // namespace dresnet
