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

// KernelSum returns sum over widths of k(a_i - b_j), a matrix [a, b].
torch::Tensor KernelSum(const torch::Tensor& a, const torch::Tensor& b, MmdLossKernel kernel,
                        const std::vector<double>& widths) {
  const torch::Tensor d2 = (a.unsqueeze(1) - b.unsqueeze(0)).pow(2);
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

}  // namespace

torch::Tensor Mmd2(const torch::Tensor& x, const torch::Tensor& y, MmdLossKernel kernel,
                   const std::vector<double>& widths) {
  const torch::Tensor a = Flat(x);
  const torch::Tensor b = Flat(y);
  TORCH_CHECK(a.size(0) >= 2 && b.size(0) >= 2, "Mmd2: both samples need at least 2 values");
  TORCH_CHECK(!widths.empty(), "Mmd2: at least one kernel width is needed");
  for (double s : widths) TORCH_CHECK(s > 0, "Mmd2: kernel widths must be positive, got ", s);
  return OffDiagonalMean(KernelSum(a, a, kernel, widths)) +
         OffDiagonalMean(KernelSum(b, b, kernel, widths)) -
         2 * KernelSum(a, b, kernel, widths).mean();
}

}  // namespace evgen
