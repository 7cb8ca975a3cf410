// classifier_test2s.h: the classifier two-sample test.
//
// A small MLP is trained to tell reference rows (label 0) from generated rows
// (label 1); its ROC AUC on held-out rows measures how distinguishable the
// samples are: 0.5 when the classifier can do no better than chance (the
// samples agree as far as this classifier can see), 1 when they are
// disjoint. AUC below 0.5 is noise (or overfitting) around 0.5.
//
// Procedure (all of it a function of config.seed):
// 1. Each table's rows are shuffled with CounterRng(seed, stream) and capped
//    at max_rows_per_sample; the first test_fraction of them is held out.
// 2. Features are standardised with the mean and std of the reference's
//    training rows (a constant column is only centred).
// 3. An MLP (hidden_layers x hidden_units, ReLU, one logit) is trained with
//    Adam on binary cross entropy for `epochs` epochs over shuffled
//    mini-batches; each class's loss weights are normalised to the same
//    total, so unequal sample sizes do not bias it. Weights are initialised
//    from CounterRng (PyTorch's default uniform(-1/sqrt(fan_in), ..) ranges),
//    not from LibTorch's global generator, so concurrent users of LibTorch
//    cannot change the result.
// 4. The AUC of the held-out scores is computed exactly (RocAuc).
// Training runs on the CPU with config.threads intra-op threads (set for the
// call, restored after); the same seed, data and thread count give the same
// AUC bit for bit.
//
// Cost: with the defaults (at most 20,000 rows per sample, half of them
// trained on, 20 epochs of batches of 256) a call takes about a second on
// one core. Raise max_rows_per_sample for more sensitivity.
//
// Example:
//   ClassifierTestConfig cfg; cfg.seed = 7;
//   EVGEN_ASSIGN_OR_RETURN(ClassifierTestResult r, ClassifierTwoSampleTest(ref, gen, cfg));
//   // r.auc, compare |r.auc - 0.5| with r.auc_null_std
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/table.h"

namespace evgen {

struct ClassifierTestConfig {
  std::vector<std::string> columns;  // features; empty = all of the reference's columns
  uint64_t seed = 1;
  int64_t max_rows_per_sample = 20000;  // cap per table, after shuffling; >= 4
  double test_fraction = 0.5;  // held-out share of each table's rows, in (0, 1)
  int hidden_layers = 2;  // in [1, 8]
  int hidden_units = 32;  // in [1, 1024]
  int epochs = 20;  // in [1, 1000]
  int batch_size = 256;  // in [1, 1 << 20]
  double learning_rate = 1e-3;
  int threads = 1;  // intra-op threads for the call; <= 0 leaves LibTorch's setting
};

struct ClassifierTestResult {
  double auc = 0.5;  // on the held-out rows
  // auc_null_std is the standard deviation of the AUC of an uninformative
  // classifier (Mann-Whitney under H0, no ties): sqrt((n0 + n1 + 1) / (12 n0 n1)).
  double auc_null_std = 0;
  double train_loss = 0;  // weighted BCE over the last epoch
  int64_t reference_train_rows = 0;
  int64_t generated_train_rows = 0;
  int64_t reference_test_rows = 0;
  int64_t generated_test_rows = 0;
  uint64_t seed = 0;
};

// ClassifierTwoSampleTest runs the test. InvalidArgument for a feature
// missing from either table, a table too small to split (fewer than 2 rows),
// a non-finite feature value or a configuration field out of range.
[[nodiscard]] absl::StatusOr<ClassifierTestResult> ClassifierTwoSampleTest(
    const Table& reference, const Table& generated, const ClassifierTestConfig& config = {});

// RocAuc returns the area under the ROC curve of `scores` for binary
// `labels` (1 = positive), which equals the Mann-Whitney statistic
//   AUC = sum_{i pos, j neg} w_i w_j ([s_i > s_j] + 1/2 [s_i = s_j]) / (W_pos W_neg),
// computed exactly in O(n log n) by sorting, with tied scores counted one
// half. weights empty = all 1. InvalidArgument when a class is empty (or has
// zero weight) or the sizes disagree.
[[nodiscard]] absl::StatusOr<double> RocAuc(const std::vector<double>& scores, const std::vector<int>& labels,
                                            const std::vector<double>& weights = {});

}  // namespace evgen
