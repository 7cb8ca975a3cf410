// set_mask.h: how evgen's set networks (mab.h, isab.h, core/models/cloud)
// handle sets of different sizes in one batch.
//
// Choice: padding with a mask, not per-size batching. A batch of sets is a
// tensor [B, N, d] with N the largest size in it, and a bool mask [B, N]
// that is true for real members. Padded members are never keys of an
// attention (their scores are set to kMaskedScore, whose exponential is
// exactly 0 beside any real score), are zeroed after every block (so they
// stay finite: 0 attention weight times a finite value is exactly 0), and
// are left out of every pooling. Hence a real member's output does not
// depend on the padding's values at all, and permutation symmetry holds
// within the real members. Per-size batching would need a forward per
// distinct size (up to 100 of them per batch) and mixes poorly with
// sampling passes of a fixed shape, which reproducible sampling needs.
//
// Example:
//   torch::Tensor mask = SizeMask(sizes, n_max);   // sizes [B] -> [B, n_max]
//   x = ZeroPadding(x, mask);
//   torch::Tensor pooled = MaskedMean(x, mask);     // [B, d]
#pragma once

#include <torch/torch.h>

namespace evgen {

// kMaskedScore replaces the attention score of a padded key. Finite (unlike
// -inf) so that a row with no real key (a padding set in a sampling pass)
// gives uniform weights instead of NaN; exp(kMaskedScore - real score) is 0.
inline constexpr float kMaskedScore = -1e30f;

// SizeMask returns the [B, n] bool mask of sets with `sizes` [B] (int64)
// members: true at positions below the size.
torch::Tensor SizeMask(const torch::Tensor& sizes, int64_t n);

// ZeroPadding sets the padded members of x [B, N, d] to 0 (whatever they
// held, NaN included); mask [B, N].
torch::Tensor ZeroPadding(const torch::Tensor& x, const torch::Tensor& mask);

// MaskedMean is the mean over the real members of x [B, N, d]: [B, d]; a
// set without members gives 0.
torch::Tensor MaskedMean(const torch::Tensor& x, const torch::Tensor& mask);

}  // namespace evgen
