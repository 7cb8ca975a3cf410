// linear_toy.h: the conditional toy table the model and sampling tests fit:
// condition c uniform in [-1, 1], target y = 2 c + 0.3 N(0, 1), row r drawn
// from CounterRng(seed, r).
#pragma once

#include <cstdint>

#include "core/io/table.h"
#include "core/random/counter_rng.h"

namespace evgen::testing {

inline Table LinearToy(int64_t rows, uint64_t seed) {
  Table t({"c", "y"});
  for (int64_t r = 0; r < rows; ++r) {
    CounterRng rng(seed, r);
    const float c = static_cast<float>(2 * rng.Uniform() - 1);
    t.AppendRow({c, static_cast<float>(2 * c + 0.3 * rng.Normal())});
  }
  return t;
}

}  // namespace evgen::testing
