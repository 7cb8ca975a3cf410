#include "core/metrics/classifier_test2s.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

// Stream labels of the seed derivations, one per use of randomness.
constexpr uint64_t kShuffleLabel = 1;
constexpr uint64_t kInitLabel = 2;
constexpr uint64_t kEpochLabel = 3;

struct ClassifierMlpImpl : torch::nn::Module {
  ClassifierMlpImpl(int64_t inputs, int hidden_layers, int hidden_units) {
    int64_t width = inputs;
    for (int i = 0; i < hidden_layers; ++i) {
      hidden_.push_back(register_module(absl::StrCat("hidden", i), torch::nn::Linear(width, hidden_units)));
      width = hidden_units;
    }
    out_ = register_module("out", torch::nn::Linear(width, 1));
  }

  torch::Tensor forward(torch::Tensor x) {
    for (torch::nn::Linear& layer : hidden_) x = torch::relu(layer->forward(x));
    return out_->forward(x).squeeze(1);
  }

  // Initialize draws every weight and bias from uniform(-1/sqrt(fan_in),
  // 1/sqrt(fan_in)), LibTorch's default range, with CounterRng.
  void Initialize(uint64_t seed) {
    torch::NoGradGuard no_grad;
    uint64_t stream = 0;
    const auto fill = [&](torch::nn::Linear& layer) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(layer->options.in_features()));
      for (torch::Tensor* t : {&layer->weight, &layer->bias}) {
        CounterRng rng(seed, stream++);
        std::vector<float> values(static_cast<size_t>(t->numel()));
        for (float& v : values) v = static_cast<float>(bound * (2 * rng.Uniform() - 1));
        t->copy_(torch::from_blob(values.data(), t->sizes(), torch::kFloat32));
      }
    };
    for (torch::nn::Linear& layer : hidden_) fill(layer);
    fill(out_);
  }

  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(ClassifierMlp);

// ThreadsGuard sets LibTorch's intra-op thread count for a scope.
class ThreadsGuard {
 public:
  explicit ThreadsGuard(int threads) : previous_(torch::get_num_threads()), active_(threads > 0) {
    if (active_) torch::set_num_threads(threads);
  }
  ~ThreadsGuard() {
    if (active_) torch::set_num_threads(previous_);
  }
  ThreadsGuard(const ThreadsGuard&) = delete;
  ThreadsGuard& operator=(const ThreadsGuard&) = delete;

 private:
  int previous_;
  bool active_;
};

// Split holds one table's shuffled, capped rows: train first, then test.
struct Split {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};

Split ShuffleAndSplit(int64_t rows, uint64_t seed, uint64_t stream, const ClassifierTestConfig& config) {
  std::vector<int64_t> order(static_cast<size_t>(rows));
  std::iota(order.begin(), order.end(), 0);
  CounterRng rng(DeriveSeed(seed, kShuffleLabel), stream);
  for (size_t i = order.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.Uniform() * static_cast<double>(i));
    std::swap(order[i - 1], order[std::min(j, i - 1)]);
  }
  const int64_t kept = std::min(rows, config.max_rows_per_sample);
  int64_t n_test = std::llround(config.test_fraction * static_cast<double>(kept));
  n_test = std::clamp<int64_t>(n_test, 1, kept - 1);
  Split split;
  split.test.assign(order.begin(), order.begin() + n_test);
  split.train.assign(order.begin() + n_test, order.begin() + kept);
  return split;
}

absl::StatusOr<std::vector<int>> FeatureColumns(const Table& table, const std::vector<std::string>& names,
                                                const char* which) {
  std::vector<int> columns;
  for (const std::string& name : names) {
    absl::StatusOr<int> i = table.ColumnIndex(name);
    if (!i.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("classifier test: ", which, " table: ", i.status().message()));
    }
    columns.push_back(*i);
  }
  return columns;
}

// Gather copies rows x columns into a row-major float buffer, rejecting
// non-finite values (a NaN would poison the training).
absl::Status Gather(const Table& table, const std::vector<int64_t>& rows, const std::vector<int>& columns,
                    const char* which, std::vector<float>* out) {
  for (int64_t r : rows) {
    for (int c : columns) {
      const float v = table.at(r, c);
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat("classifier test: ", which, " table: row ", r,
                                                       " has a non-finite ", table.columns()[c]));
      }
      out->push_back(v);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckConfig(const ClassifierTestConfig& c) {
  const auto bad = [](const char* field, double value, const char* range) {
    return absl::InvalidArgumentError(absl::StrCat("classifier test: ", field, " = ", value, " not in ", range));
  };
  if (c.max_rows_per_sample < 4) return bad("max_rows_per_sample", static_cast<double>(c.max_rows_per_sample), "[4, inf)");
  if (!(c.test_fraction > 0 && c.test_fraction < 1)) return bad("test_fraction", c.test_fraction, "(0, 1)");
  if (c.hidden_layers < 1 || c.hidden_layers > 8) return bad("hidden_layers", c.hidden_layers, "[1, 8]");
  if (c.hidden_units < 1 || c.hidden_units > 1024) return bad("hidden_units", c.hidden_units, "[1, 1024]");
  if (c.epochs < 1 || c.epochs > 1000) return bad("epochs", c.epochs, "[1, 1000]");
  if (c.batch_size < 1 || c.batch_size > (1 << 20)) return bad("batch_size", c.batch_size, "[1, 1048576]");
  if (!(c.learning_rate > 0 && c.learning_rate < 10)) return bad("learning_rate", c.learning_rate, "(0, 10)");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<double> RocAuc(const std::vector<double>& scores, const std::vector<int>& labels,
                              const std::vector<double>& weights) {
  if (labels.size() != scores.size() || (!weights.empty() && weights.size() != scores.size())) {
    return absl::InvalidArgumentError(absl::StrCat("roc auc: ", scores.size(), " scores, ", labels.size(),
                                                   " labels, ", weights.size(), " weights"));
  }
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Walk tie groups upwards; a positive beats the negatives below its group
  // and ties half of those inside it.
  double negatives_below = 0, numerator = 0, w_pos = 0, w_neg = 0;
  for (size_t k = 0; k < order.size();) {
    size_t end = k;
    double pos = 0, neg = 0;
    while (end < order.size() && scores[order[end]] == scores[order[k]]) {
      const size_t i = order[end++];
      const double w = weights.empty() ? 1.0 : weights[i];
      (labels[i] == 1 ? pos : neg) += w;
    }
    numerator += pos * (negatives_below + 0.5 * neg);
    negatives_below += neg;
    w_pos += pos;
    w_neg += neg;
    k = end;
  }
  if (!(w_pos > 0) || !(w_neg > 0)) {
    return absl::InvalidArgumentError("roc auc: both classes need entries with positive weight");
  }
  return numerator / (w_pos * w_neg);
}

absl::StatusOr<ClassifierTestResult> ClassifierTwoSampleTest(const Table& reference, const Table& generated,
                                                             const ClassifierTestConfig& config) {
  EVGEN_RETURN_IF_ERROR(CheckConfig(config));
  const std::vector<std::string> names = config.columns.empty() ? reference.columns() : config.columns;
  if (names.empty()) return absl::InvalidArgumentError("classifier test: no feature columns");
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> ref_cols, FeatureColumns(reference, names, "reference"));
  EVGEN_ASSIGN_OR_RETURN(const std::vector<int> gen_cols, FeatureColumns(generated, names, "generated"));
  if (reference.num_rows() < 2 || generated.num_rows() < 2) {
    return absl::InvalidArgumentError(absl::StrCat("classifier test: need at least 2 rows per table, have ",
                                                   reference.num_rows(), " reference and ",
                                                   generated.num_rows(), " generated"));
  }
  const Split ref_split = ShuffleAndSplit(reference.num_rows(), config.seed, 0, config);
  const Split gen_split = ShuffleAndSplit(generated.num_rows(), config.seed, 1, config);
  const int64_t d = static_cast<int64_t>(names.size());

  // Training rows: reference then generated; the same for the test rows.
  std::vector<float> x_train, x_test;
  EVGEN_RETURN_IF_ERROR(Gather(reference, ref_split.train, ref_cols, "reference", &x_train));
  EVGEN_RETURN_IF_ERROR(Gather(generated, gen_split.train, gen_cols, "generated", &x_train));
  EVGEN_RETURN_IF_ERROR(Gather(reference, ref_split.test, ref_cols, "reference", &x_test));
  EVGEN_RETURN_IF_ERROR(Gather(generated, gen_split.test, gen_cols, "generated", &x_test));
  const int64_t n_ref = static_cast<int64_t>(ref_split.train.size());
  const int64_t n_train = n_ref + static_cast<int64_t>(gen_split.train.size());
  const int64_t n_test = static_cast<int64_t>(ref_split.test.size() + gen_split.test.size());

  // Standardise with the reference training rows.
  for (int64_t j = 0; j < d; ++j) {
    double sum = 0, sum2 = 0;
    for (int64_t i = 0; i < n_ref; ++i) sum += x_train[i * d + j];
    const double mean = sum / static_cast<double>(n_ref);
    for (int64_t i = 0; i < n_ref; ++i) sum2 += (x_train[i * d + j] - mean) * (x_train[i * d + j] - mean);
    const double std = std::sqrt(sum2 / static_cast<double>(n_ref));
    const double scale = std > 0 ? 1.0 / std : 1.0;
    for (int64_t i = 0; i < n_train; ++i) x_train[i * d + j] = static_cast<float>((x_train[i * d + j] - mean) * scale);
    for (int64_t i = 0; i < n_test; ++i) x_test[i * d + j] = static_cast<float>((x_test[i * d + j] - mean) * scale);
  }

  // Labels and loss weights: each class sums to n_train / 2.
  std::vector<float> y_train(static_cast<size_t>(n_train)), w_train(static_cast<size_t>(n_train));
  double w_ref = 0, w_gen = 0;
  for (int64_t i = 0; i < n_train; ++i) {
    const bool is_ref = i < n_ref;
    const float w = is_ref ? reference.weight(ref_split.train[i]) : generated.weight(gen_split.train[i - n_ref]);
    y_train[i] = is_ref ? 0.f : 1.f;
    w_train[i] = w;
    (is_ref ? w_ref : w_gen) += w;
  }
  if (!(w_ref > 0) || !(w_gen > 0)) {
    return absl::InvalidArgumentError("classifier test: a table's training rows have no positive weight");
  }
  for (int64_t i = 0; i < n_train; ++i) {
    w_train[i] = static_cast<float>(w_train[i] * 0.5 * static_cast<double>(n_train) / (i < n_ref ? w_ref : w_gen));
  }

  ClassifierTestResult result;
  result.seed = config.seed;
  result.reference_train_rows = n_ref;
  result.generated_train_rows = n_train - n_ref;
  result.reference_test_rows = static_cast<int64_t>(ref_split.test.size());
  result.generated_test_rows = static_cast<int64_t>(gen_split.test.size());
  std::vector<double> scores;
  try {
    ThreadsGuard threads(config.threads);
    const torch::Tensor x = torch::from_blob(x_train.data(), {n_train, d}, torch::kFloat32);
    const torch::Tensor y = torch::from_blob(y_train.data(), {n_train}, torch::kFloat32);
    const torch::Tensor w = torch::from_blob(w_train.data(), {n_train}, torch::kFloat32);
    ClassifierMlp model(d, config.hidden_layers, config.hidden_units);
    model->Initialize(DeriveSeed(config.seed, kInitLabel));
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(config.learning_rate));
    std::vector<int64_t> order(static_cast<size_t>(n_train));
    // A stopped call breaks out; the server discards the partial result.
    for (int epoch = 0; epoch < config.epochs && !StopRequested(); ++epoch) {
      std::iota(order.begin(), order.end(), 0);
      CounterRng rng(DeriveSeed(config.seed, kEpochLabel), static_cast<uint64_t>(epoch));
      for (size_t i = order.size(); i > 1; --i) {
        const size_t j = std::min(static_cast<size_t>(rng.Uniform() * static_cast<double>(i)), i - 1);
        std::swap(order[i - 1], order[j]);
      }
      const torch::Tensor perm = torch::from_blob(order.data(), {n_train}, torch::kInt64);
      double loss_sum = 0, weight_sum = 0;
      for (int64_t start = 0; start < n_train; start += config.batch_size) {
        const int64_t end = std::min(n_train, start + config.batch_size);
        const torch::Tensor index = perm.slice(0, start, end);
        const torch::Tensor wb = w.index_select(0, index);
        const torch::Tensor loss_total = torch::binary_cross_entropy_with_logits(
            model->forward(x.index_select(0, index)), y.index_select(0, index), wb, {},
            torch::Reduction::Sum);
        const double batch_weight = wb.sum().item<double>();
        optimizer.zero_grad();
        (loss_total / batch_weight).backward();
        optimizer.step();
        loss_sum += loss_total.item<double>();
        weight_sum += batch_weight;
      }
      result.train_loss = loss_sum / weight_sum;
    }
    torch::NoGradGuard no_grad;
    model->eval();
    const torch::Tensor logits =
        model->forward(torch::from_blob(x_test.data(), {n_test, d}, torch::kFloat32)).to(torch::kFloat64).contiguous();
    scores.assign(logits.data_ptr<double>(), logits.data_ptr<double>() + n_test);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("classifier test: LibTorch: ", e.what_without_backtrace()));
  }

  std::vector<int> labels(static_cast<size_t>(n_test), 1);
  std::vector<double> test_weights(static_cast<size_t>(n_test));
  const size_t n_ref_test = ref_split.test.size();
  for (size_t i = 0; i < static_cast<size_t>(n_test); ++i) {
    if (i < n_ref_test) {
      labels[i] = 0;
      test_weights[i] = reference.weight(ref_split.test[i]);
    } else {
      test_weights[i] = generated.weight(gen_split.test[i - n_ref_test]);
    }
  }
  EVGEN_ASSIGN_OR_RETURN(result.auc, RocAuc(scores, labels, test_weights));
  const double n0 = static_cast<double>(result.reference_test_rows);
  const double n1 = static_cast<double>(result.generated_test_rows);
  result.auc_null_std = std::sqrt((n0 + n1 + 1) / (12 * n0 * n1));
  return result;
}

}  // namespace evgen
