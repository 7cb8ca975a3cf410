// gaussian_baseline.h: the density a flow must beat. A full-covariance
// Gaussian fitted by maximum likelihood to the flow's own training rows, in
// the same model space (after the transform chain), and, for a cINN,
// conditional on the same conditions: the Gaussian of (x, c) turned into
// x | c ~ N(mu_x + S_xc S_cc^-1 (c - mu_c), S_xx - S_xc S_cc^-1 S_cx), the
// best linear-Gaussian regression. Its validation NLL, in the same physical
// units as the flow's (minus the chain's mean log-Jacobian), tells whether
// the flow learned more than means and correlations.
#pragma once

namespace evgen {

struct FlowTrainingData;

// GaussianBaselineNll returns the mean negative log-likelihood per event of
// the validation rows under the Gaussian fitted to the training rows, in
// physical units; NaN without validation rows.
double GaussianBaselineNll(const FlowTrainingData& data);

}  // namespace evgen
