#include "core/models/gan/gan_losses.h"

#include <utility>
#include <vector>

namespace evgen {
namespace {

// kNormEps keeps sqrt differentiable when a gradient vanishes exactly.
constexpr double kNormEps = 1e-12;

// Flat views [batch] of discriminator outputs given as [batch] or [batch, 1].
torch::Tensor Flat(const torch::Tensor& t) { return t.reshape({-1}); }

// SampleGradient returns the output of f at x (flattened) and df/dx, keeping
// the graph so a penalty built from the gradient reaches f's parameters.
// x is detached first: the penalty trains the critic, not the generator.
std::pair<torch::Tensor, torch::Tensor> SampleGradient(const CriticFunction& f,
                                                       const torch::Tensor& x) {
  const torch::Tensor input = x.detach().requires_grad_(true);
  const torch::Tensor out = Flat(f(input));
  const torch::Tensor grad = torch::autograd::grad({out.sum()}, {input}, /*grad_outputs=*/{},
                                                   /*retain_graph=*/true,
                                                   /*create_graph=*/true)[0];
  return {out, grad};
}

// SquaredRowNorms returns |g_i|^2 over all but the first dimension.
torch::Tensor SquaredRowNorms(const torch::Tensor& g) { return g.pow(2).flatten(1).sum(1); }

}  // namespace

torch::Tensor GanDiscriminatorLoss(const torch::Tensor& real_logits,
                                   const torch::Tensor& fake_logits) {
  // -log sigmoid(l) = softplus(-l) and -log(1 - sigmoid(l)) = softplus(l).
  return torch::softplus(-Flat(real_logits)).mean() + torch::softplus(Flat(fake_logits)).mean();
}

torch::Tensor GanGeneratorLoss(const torch::Tensor& fake_logits) {
  return torch::softplus(-Flat(fake_logits)).mean();
}

torch::Tensor WassersteinCriticLoss(const torch::Tensor& real, const torch::Tensor& fake) {
  return Flat(fake).mean() - Flat(real).mean();
}

torch::Tensor WassersteinGeneratorLoss(const torch::Tensor& fake) { return -Flat(fake).mean(); }

torch::Tensor GradientPenalty(const CriticFunction& critic, const torch::Tensor& real,
                              const torch::Tensor& fake, const torch::Tensor& eps) {
  // eps [batch, 1] broadcast over every feature dimension of the samples.
  std::vector<int64_t> shape(static_cast<size_t>(real.dim()), 1);
  shape[0] = real.size(0);
  const torch::Tensor e = eps.reshape(shape);
  const torch::Tensor x_hat = e * real.detach() + (1 - e) * fake.detach();
  const torch::Tensor grad = SampleGradient(critic, x_hat).second;
  const torch::Tensor norm = torch::sqrt(SquaredRowNorms(grad) + kNormEps);
  return (norm - 1).pow(2).mean();
}

void ClipParameters(torch::nn::Module& module, double c) {
  torch::NoGradGuard no_grad;
  for (torch::Tensor& p : module.parameters()) p.clamp_(-c, c);
}

torch::Tensor LsganDiscriminatorLoss(const torch::Tensor& real, const torch::Tensor& fake, double a,
                                     double b) {
  return 0.5 * (Flat(real) - b).pow(2).mean() + 0.5 * (Flat(fake) - a).pow(2).mean();
}

torch::Tensor LsganGeneratorLoss(const torch::Tensor& fake, double c) {
  return 0.5 * (Flat(fake) - c).pow(2).mean();
}

torch::Tensor RegularizedJsPenalty(const CriticFunction& logit, const torch::Tensor& real,
                                   const torch::Tensor& fake) {
  const auto [real_phi, real_grad] = SampleGradient(logit, real);
  const auto [fake_phi, fake_grad] = SampleGradient(logit, fake);
  const torch::Tensor real_term =
      ((1 - torch::sigmoid(real_phi)).pow(2) * SquaredRowNorms(real_grad)).mean();
  const torch::Tensor fake_term =
      (torch::sigmoid(fake_phi).pow(2) * SquaredRowNorms(fake_grad)).mean();
  return real_term + fake_term;
}

namespace {

// KernelSum returns sum over widths of k applied to the squared distances
// d2 [a, b].
torch::Tensor KernelSum(const torch::Tensor& d2, MmdLossKernel kernel, const std::vector<double>& widths) {
  torch::Tensor k = torch::zeros_like(d2);
  for (double s : widths) {
    if (kernel == MmdLossKernel::kGaussian) {
      k = k + torch::exp(-d2 / (2 * s * s));
    } else {
      k = k + (s * s) / (d2 + s * s);
    }
  }
  return k;
}

// OffDiagonalMean averages a square matrix without its diagonal (the
// unbiased estimator never compares a sample with itself).
torch::Tensor OffDiagonalMean(const torch::Tensor& k) {
  const int64_t n = k.size(0);
  return (k.sum() - k.diagonal().sum()) / static_cast<double>(n * (n - 1));
}

// Unbiased MMD^2 from the squared distances within a, within b and between.
// `paired`: the cross term leaves out its diagonal too.
torch::Tensor Mmd2FromDistances(const torch::Tensor& aa, const torch::Tensor& bb, const torch::Tensor& ab,
                                MmdLossKernel kernel, const std::vector<double>& widths, bool paired) {
  TORCH_CHECK(aa.size(0) >= 2 && bb.size(0) >= 2, "Mmd2: both samples need at least 2 values");
  TORCH_CHECK(!widths.empty(), "Mmd2: at least one kernel width is needed");
  for (double s : widths) TORCH_CHECK(s > 0, "Mmd2: kernel widths must be positive, got ", s);
  const torch::Tensor cross = KernelSum(ab, kernel, widths);
  return OffDiagonalMean(KernelSum(aa, kernel, widths)) + OffDiagonalMean(KernelSum(bb, kernel, widths)) -
         2 * (paired ? OffDiagonalMean(cross) : cross.mean());
}

}  // namespace

torch::Tensor Mmd2(const torch::Tensor& x, const torch::Tensor& y, MmdLossKernel kernel,
                   const std::vector<double>& widths) {
  const torch::Tensor a = Flat(x);
  const torch::Tensor b = Flat(y);
  auto d2 = [](const torch::Tensor& u, const torch::Tensor& v) { return (u.unsqueeze(1) - v.unsqueeze(0)).pow(2); };
  return Mmd2FromDistances(d2(a, a), d2(b, b), d2(a, b), kernel, widths, /*paired=*/false);
}

torch::Tensor Mmd2Rows(const torch::Tensor& x, const torch::Tensor& y, MmdLossKernel kernel,
                       const std::vector<double>& widths, bool paired) {
  TORCH_CHECK(x.dim() == 2 && y.dim() == 2 && x.size(1) == y.size(1), "Mmd2Rows: x and y must be [n, d] and [m, d]");
  TORCH_CHECK(!paired || x.size(0) == y.size(0), "Mmd2Rows: paired samples must have as many points");
  // Differences, not cdist: its gradient at a zero distance (the diagonal) is not finite.
  auto d2 = [](const torch::Tensor& u, const torch::Tensor& v) {
    return (u.unsqueeze(1) - v.unsqueeze(0)).pow(2).sum(2);
  };
  return Mmd2FromDistances(d2(x, x), d2(y, y), d2(x, y), kernel, widths, paired);
}

}  // namespace evgen
