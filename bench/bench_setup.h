// bench_setup.h: what the service benchmarks share: failing loudly, and the
// qcd dataset (50,000 QCD multijet events, seed 1) with a template model
// "tpl" trained on it, made through the real client.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "client/evgen_client.h"

namespace evgen::bench {

inline void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// MakeQcdTemplate generates dataset "qcd" and trains template "tpl" on it.
inline void MakeQcdTemplate(EvgenClient& client) {
  v1::GenerateReferenceRequest gen;
  gen.set_name("qcd");
  gen.set_simulator("qcd-multijet");
  gen.set_n_events(50'000);
  gen.set_seed(1);
  Check(client.GenerateReference(gen).status(), "generate");
  v1::SubmitTrainingRequest train;
  train.set_model_name("tpl");
  train.set_kind("template");
  train.mutable_training_data()->set_dataset("qcd");
  auto job = client.SubmitTraining(train);
  Check(job.status(), "train");
  Check(client.WatchJob(job->id(), [](const v1::Job&) {}).status(), "watch");
}

}  // namespace evgen::bench
