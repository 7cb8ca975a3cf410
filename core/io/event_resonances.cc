#include "core/io/event_resonances.h"

#include <cstdlib>
#include <initializer_list>
#include <optional>

#include "absl/strings/str_cat.h"
#include "core/io/colour_flow.h"

namespace evgen {
namespace {

// Charge3 is three times the electric charge of a quark or lepton, or
// nullopt for other ids.
std::optional<int> Charge3(int pdg_id) {
  const int a = std::abs(pdg_id), sign = pdg_id > 0 ? 1 : -1;
  if (a >= 1 && a <= 6) return sign * (a % 2 == 0 ? 2 : -1);
  if (a == 11 || a == 13 || a == 15) return sign * -3;
  if (a == 12 || a == 14 || a == 16) return 0;
  return std::nullopt;
}

// SumCharge3 is the summed Charge3 of particles `ids` of the spec, or
// nullopt if one has none.
std::optional<int> SumCharge3(const EventWriteSpec& spec, std::initializer_list<int> ids) {
  int sum = 0;
  for (int i : ids) {
    std::optional<int> q = Charge3(spec.particles[i].pdg_id);
    if (!q) return std::nullopt;
    sum += *q;
  }
  return sum;
}

}  // namespace

std::vector<Resonance> TtbarResonances(const EventWriteSpec& spec) {
  if (spec.particles.size() != 6) return {};
  for (size_t i = 0; i < 6; ++i) {
    if (spec.particles[i].prefix != absl::StrCat("p", i + 1)) return {};
  }
  const int b = spec.particles[5].pdg_id, bbar = spec.particles[2].pdg_id;
  if (!IsQuark(b) || !IsAntiquark(bbar)) return {};
  if (SumCharge3(spec, {0, 1}) != -3 || SumCharge3(spec, {0, 1, 2}) != -2 ||
      SumCharge3(spec, {3, 4}) != 3 || SumCharge3(spec, {3, 4, 5}) != 2) {
    return {};
  }
  return {{6, -1, {3, 4, 5}}, {-6, -1, {0, 1, 2}}, {24, 0, {3, 4}}, {-24, 1, {0, 1}}};
}

std::vector<int> InnermostResonance(const std::vector<Resonance>& resonances, size_t particles) {
  std::vector<int> innermost(particles, -1);
  // Daughters are listed after their mothers, so the last one wins.
  for (size_t r = 0; r < resonances.size(); ++r) {
    for (int f : resonances[r].finals) innermost[f] = static_cast<int>(r);
  }
  return innermost;
}

}  // namespace evgen
