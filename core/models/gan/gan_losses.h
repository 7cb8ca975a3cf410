// gan_losses.h: the adversarial losses and penalties of the GAN family, as
// differentiable LibTorch functions of discriminator outputs.
//
// Conventions: `real` / `fake` are the discriminator's raw outputs (logits
// for the GAN and rJS-GAN, critic values for the WGANs and LSGAN), shape
// [batch] or [batch, 1]; every loss is a mean over the batch, to be
// minimised. Penalties take a `critic` callable mapping a sample batch to its
// outputs, so they can differentiate with respect to the sample (the
// conditions, identical for the real and generated rows of a conditional
// GAN, are bound inside the callable).
//
//   GAN (non-saturating, Goodfellow et al.):
//     L_D = -<log D(x_real)> - <log(1 - D(x_fake))>,  L_G = -<log D(x_fake)>,
//     D = sigmoid(logit), computed from logits without overflow.
//   WGAN (Arjovsky et al.):  L_D = <f(fake)> - <f(real)>,  L_G = -<f(fake)>;
//     with weight clipping every critic parameter is clamped to [-c, c]
//     after each critic step (ClipParameters).
//   WGAN-GP (Gulrajani et al.): L_D += lambda <(|grad f(x_hat)|_2 - 1)^2>,
//     x_hat = eps x_real + (1 - eps) x_fake, eps ~ U(0, 1) per row.
//   LSGAN (Mao et al.): L_D = 1/2 <(D(real) - b)^2> + 1/2 <(D(fake) - a)^2>,
//     L_G = 1/2 <(D(fake) - c)^2>.
//   Regularized Jensen-Shannon (Roth et al.; Butter, Plehn, Winterhalder eq. 14):
//     L_D += lambda_D [ <(1 - D(x))^2 |grad phi(x)|^2>_real + <D(x)^2 |grad phi(x)|^2>_fake ],
//     phi the logit, D = sigmoid(phi).
//   MMD^2 (eq. 15, unbiased): see Mmd2; added to L_G with weight lambda_G.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace evgen {

using CriticFunction = std::function<torch::Tensor(const torch::Tensor& samples)>;

torch::Tensor GanDiscriminatorLoss(const torch::Tensor& real_logits, const torch::Tensor& fake_logits);
torch::Tensor GanGeneratorLoss(const torch::Tensor& fake_logits);

torch::Tensor WassersteinCriticLoss(const torch::Tensor& real, const torch::Tensor& fake);
torch::Tensor WassersteinGeneratorLoss(const torch::Tensor& fake);

// GradientPenalty is <(|grad critic(x_hat)|_2 - 1)^2> over rows, with
// x_hat = eps * real + (1 - eps) * fake and eps [batch, 1]. It is
// differentiable with respect to the critic's parameters (create_graph).
torch::Tensor GradientPenalty(const CriticFunction& critic, const torch::Tensor& real,
                              const torch::Tensor& fake, const torch::Tensor& eps);

// ClipParameters clamps every parameter of `module` to [-c, c] in place.
void ClipParameters(torch::nn::Module& module, double c);

torch::Tensor LsganDiscriminatorLoss(const torch::Tensor& real, const torch::Tensor& fake,
                                     double a, double b);
torch::Tensor LsganGeneratorLoss(const torch::Tensor& fake, double c);

// RegularizedJsPenalty is the bracket of eq. 14 (without lambda_D), for the
// logit function `logit`; differentiable with respect to its parameters.
torch::Tensor RegularizedJsPenalty(const CriticFunction& logit, const torch::Tensor& real,
                                   const torch::Tensor& fake);

enum class MmdLossKernel { kGaussian, kBreitWigner };

// Mmd2 is the unbiased MMD^2 between 1-D samples x [n] and y [m] (n, m >= 2)
// with the kernel summed over `widths` (several widths help a narrow peak
// converge, as the ttbar paper notes):
//   Gaussian k = exp(-(x - y)^2 / (2 s^2)),  Breit-Wigner k = s^2 / ((x - y)^2 + s^2).
// It matches core/metrics/mmd.h's estimator for unit weights and one width.
torch::Tensor Mmd2(const torch::Tensor& x, const torch::Tensor& y, MmdLossKernel kernel,
                   const std::vector<double>& widths);

// Mmd2Rows is Mmd2 between samples of points, x [n, d] and y [m, d], with
// (x - y)^2 the squared Euclidean distance: the MMD of a joint distribution.
// `paired` (n == m): x_i and y_i were drawn together (a generated jet and
// the real jet whose size and conditions it was given), so k(x_i, y_i) is
// left out of the cross term as well, Gretton et al.'s MMD_u^2 for m = n;
// with it, a generated sample close to its partners read as better than
// the truth (MMD^2 -0.02 in training).
torch::Tensor Mmd2Rows(const torch::Tensor& x, const torch::Tensor& y, MmdLossKernel kernel,
                       const std::vector<double>& widths, bool paired = false);

}  // namespace evgen
