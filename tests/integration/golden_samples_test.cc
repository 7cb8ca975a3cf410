// Golden samples: the same CLI commands must keep giving the same bytes.
//
// A template model, the jet-mass GAN, the dilepton WGAN-GP and the ttbar MMD
// GAN are trained through a real evgend on small configurations with fixed
// seeds (a few hundred steps) and sampled into .npy files. The SHA-256 of
// each file was recorded before the model families were moved into their own
// folders (issue 13); a change of layout must not change a byte. A change
// that is meant to alter samples (a new default, another initialisation)
// updates these digests in the same commit and says why.
//
// The three GAN digests changed once, on purpose, with the faster sampler
// (issue 15): noise and dropout masks now come from keyed streams filled a
// block at a time (core/random/block_random.h) instead of one CounterRng per
// row and LibTorch's Bernoulli draws, and the generator runs on blocks of
// 4096 rows instead of 1024. The trained weights are unchanged (training
// draws as before); only the sampled random numbers differ. Within the same
// issue, dynamic batching moved each row to position (r mod 4096 + phase)
// mod 4096 of its block's pass, with a phase drawn from the seed, so that
// small requests of different seeds can share a pass
// (core/sampling/sample_batcher.h); the random numbers stayed, only BLAS's
// summation order per row changed (relative differences of order 1e-7,
// bench/forward_position), and the digests with it.
//
// Later in issue 15 the pass size became a model key, sample_block_rows,
// 1024 for new models (the networks' fastest batch, and a quarter of the
// padding for small requests) and 4096 for models saved before. The three
// digests above are taken with "sample_block_rows": 4096 and did not change,
// so a stored model's samples did not either; JetMassGanDefaultBlock pins
// the new default's bytes.
//
// The digests hold for this build on x86-64 CPUs with Debian's LibTorch and
// OpenBLAS at evgend's default thread count (one per core; these were taken
// on 2 cores); another BLAS, another --intra-op-threads or a GPU may sum in
// another order and differ in the last bits.
//
// OpenBLAS picks its kernels by CPU at load time: the digests were taken
// with its AVX2 ("Haswell") kernels, and an AVX-512 CPU would use the
// SkylakeX ones, which sum in another order (the first CI machine with
// AVX-512 gave other digests from the same weights). The test therefore
// starts evgend with OPENBLAS_CORETYPE=Haswell, and is skipped on a CPU
// without AVX2 and FMA, where those kernels cannot run.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/evgend_process.h"
#include "tests/integration/store_digest.h"

namespace evgen::testing {
namespace {

bool CpuRunsHaswellKernels() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

// ScopedEnv sets a variable for its lifetime and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class GoldenSamplesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!CpuRunsHaswellKernels()) return;
    dir_ = new std::string(MakeTempDir("evgen-golden"));
    // evgend inherits the environment; other suites' servers must not.
    ScopedEnv pin("OPENBLAS_CORETYPE", "Haswell");
    auto server = EvgendProcess::Start(*dir_ + "/data");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    for (const auto& [simulator, name] : std::vector<std::pair<std::string, std::string>>{
             {"qcd-multijet", "qcd"}, {"ttbar-dilepton", "dilepton"}, {"ttbar-allhad", "ttbar"}}) {
      CliResult r = Cli({"datasets", "generate", simulator, "-n", "4000", "--seed", "3", "--name", name});
      ASSERT_EQ(r.code, 0) << r.err;
    }
  }
  void SetUp() override {
    if (!CpuRunsHaswellKernels()) GTEST_SKIP() << "the golden digests need OpenBLAS's AVX2+FMA kernels";
  }
  static void TearDownTestSuite() {
    if (dir_ == nullptr) return;
    delete server_;
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }

  static CliResult Cli(const std::vector<std::string>& args) {
    return RunCliCapture(server_->address(), args);
  }

  // TrainAndSample trains `name` and returns the SHA-256 of a 3,000-row
  // sample written by `evgen sample` (with `sample_args` added).
  static std::string TrainAndSample(const std::vector<std::string>& train_args, const std::string& name,
                                    const std::vector<std::string>& sample_args) {
    std::vector<std::string> train = {"train"};
    train.insert(train.end(), train_args.begin(), train_args.end());
    for (const char* a : {"--name", name.c_str(), "--seed", "5", "--wait"}) train.push_back(a);
    CliResult t = Cli(train);
    EXPECT_EQ(t.code, 0) << t.err << t.out;
    const std::string out = *dir_ + "/" + name + ".npy";
    std::vector<std::string> sample = {"sample", "3000", "--model", name, "--seed", "11", "-o", out};
    sample.insert(sample.end(), sample_args.begin(), sample_args.end());
    CliResult s = Cli(sample);
    EXPECT_EQ(s.code, 0) << s.err << s.out;
    std::ifstream in(out, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_GT(bytes.str().size(), 3000u) << out;
    return Sha256(bytes.str());
  }

  static std::string* dir_;
  static EvgendProcess* server_;
};

std::string* GoldenSamplesTest::dir_ = nullptr;
EvgendProcess* GoldenSamplesTest::server_ = nullptr;

TEST_F(GoldenSamplesTest, TemplateModel) {
  EXPECT_EQ(TrainAndSample({"template", "--dataset", "qcd", "--region", "control"}, "tpl",
                           {"--conditions-from", "qcd", "--region", "validation", "--keep", "n_track"}),
            "9fc493fc2696abf53832e282470be13e472b92527ec9f9117ced40378ee1caf9");
}

TEST_F(GoldenSamplesTest, JetMassGan) {
  EXPECT_EQ(TrainAndSample({"gan", "--dataset", "qcd", "--region", "control", "--config",
                            R"({"preset": "jetmass-gan-small", "steps": 300, "sample_block_rows": 4096})"},
                           "jetmass", {"--conditions-from", "qcd", "--region", "validation"}),
            "47d35259598b1e153358e0647da5c4fa1750d7bd9fffd3f6a9a1ae7508e82fb0");
}

TEST_F(GoldenSamplesTest, JetMassGanDefaultBlock) {
  EXPECT_EQ(TrainAndSample({"gan", "--dataset", "qcd", "--region", "control", "--config",
                            R"({"preset": "jetmass-gan-small", "steps": 300})"},
                           "jetmass-1024", {"--conditions-from", "qcd", "--region", "validation"}),
            "e6b2d52493030b5743114e25851ea055398a38bec1b4fd0f915239366931528b");
}

// The preset as it was when this sample was recorded: standardized features
// (it now generates through dilepton-kinematics), so the bytes still pin
// the sampler and the trainer.
TEST_F(GoldenSamplesTest, DileptonWganGp) {
  EXPECT_EQ(TrainAndSample({"wgan-gp", "--dataset", "dilepton", "--config",
                            R"({"preset": "dilepton-wgan-gp-small", "steps": 200, "sample_block_rows": 4096,
                                "transforms": [{"kind": "standardize", "columns": ["pt_l0_gev",
                                  "pt_l1_gev", "pt_ll_gev", "m_ll_gev", "met_gev", "mt_gev",
                                  "dphi_ll", "dr_ll"]}]})"},
                           "dilepton", {}),
            "dc5bc407df7329316876d59f0a68550429b3967f34a27dae91d78030cef78551");
}

TEST_F(GoldenSamplesTest, TtbarMmdGan) {
  // The MMD ramp starts at step 0 so that the MMD terms take part.
  EXPECT_EQ(TrainAndSample({"wgan-gp", "--dataset", "ttbar", "--config",
                            R"({"preset": "ttbar-mmd-gan-small", "steps": 100, "sample_block_rows": 4096,
                                "lambda_g_ramp": {"from": 0, "to": 50}})"},
                           "ttbar", {}),
            "758867e4004bf48640e01b31ffc991a5aa977c157a84423ce71e92f2159cab02");
}

}  // namespace
}  // namespace evgen::testing
