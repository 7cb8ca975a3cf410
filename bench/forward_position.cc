// forward_position: does a row's output of a LibTorch MLP depend on where
// the row sits in the batch, or on the batch size? It runs the jet-mass
// generator's shape (13 -> 160 -> 80 -> 40 -> 1) and the ttbar one (24 ->
// 10 x 512 -> 18) with random weights on 4096 rows, then again with the rows
// rolled by 1 to 2048 places and with the same rows inside batches of 1000
// and 16384, and prints whether each output is bit-identical and the largest
// difference. This decides what dynamic batching may merge without changing
// a sample's bytes (docs/results.md, issue 15).
//
// Usage: evgen_bench_forward_position
#include <torch/torch.h>

#include <cstdio>
#include <vector>

namespace {

torch::nn::Sequential Mlp(const std::vector<int64_t>& dims) {
  torch::nn::Sequential net;
  for (size_t i = 0; i + 1 < dims.size(); ++i) {
    net->push_back(torch::nn::Linear(dims[i], dims[i + 1]));
    if (i + 2 < dims.size()) net->push_back(torch::nn::LeakyReLU());
  }
  return net;
}

void Report(const char* what, const torch::Tensor& reference, const torch::Tensor& other) {
  std::printf("  %-22s identical %d, max |diff| %.3g\n", what, static_cast<int>(torch::equal(reference, other)),
              (reference - other).abs().max().item<float>());
}

}  // namespace

int main() {
  const std::vector<std::vector<int64_t>> shapes = {{13, 160, 80, 40, 1},
                                                    {24, 512, 512, 512, 512, 512, 512, 512, 512, 512, 512, 18}};
  for (int threads : {1, 2}) {
    torch::set_num_threads(threads);
    for (const std::vector<int64_t>& dims : shapes) {
      torch::manual_seed(1);
      torch::nn::Sequential net = Mlp(dims);
      c10::InferenceMode inference;
      const torch::Tensor x = torch::randn({4096, dims[0]});
      const torch::Tensor y = net->forward(x);
      std::printf("threads %d, inputs %lld, %zu layers:\n", threads, static_cast<long long>(dims[0]), dims.size() - 1);
      for (int shift : {1, 8, 64, 512, 1024, 2048}) {
        const torch::Tensor rolled = torch::roll(net->forward(torch::roll(x, {shift}, {0})), {-shift}, {0});
        char what[64];
        std::snprintf(what, sizeof what, "rolled by %d rows", shift);
        Report(what, y, rolled);
      }
      Report("first 1000 rows alone", y.slice(0, 0, 1000), net->forward(x.slice(0, 0, 1000)));
      torch::Tensor big = torch::randn({16384, dims[0]});
      big.slice(0, 4096, 8192).copy_(x);
      Report("inside 16384 rows", y, net->forward(big).slice(0, 4096, 8192));
    }
  }
  return 0;
}
