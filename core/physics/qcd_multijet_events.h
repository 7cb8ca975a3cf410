// qcd_multijet_events.h: the event-level QCD multijet reference simulator
// ("qcd-multijet-events").
//
// Unlike qcd-multijet (qcd_multijet.h), which draws each jet's pT on its own,
// this one builds every event from a hard 2 -> 2 scattering (two back-to-back
// partons at a common scale) plus pT-ordered radiation with recoil, so jet
// pTs, etas, flavours and the multiplicity are correlated as in real multijet
// events and the signal region of Table 1 (Lin, Bhimji, Nachman 2019) is
// populated. Each jet then gets N_track and a mass from the same per-jet
// model as qcd-multijet (qcd_jet_shapes.h), with N_track tuned to the paper's
// working point (N_track < 26 keeps about half of the quark jets). Formulas
// and their reasons: docs/physics.md, "QCD multijet at event level".
//
// Output: the columns of qcd-multijet (QcdMultijetColumns()), one row per jet
// with reconstructed pT > 200 GeV and |eta| < 2.0, jets ordered by pT within
// an event (jet 0 = leading). Every event has at least three such jets (the
// analysis's preselection; events with fewer are in no region of Table 1):
// event i redraws collisions from its own stream CounterRng(seed, i) until
// one passes.
//
// Example:
//   QcdMultijetEventsConfig cfg; cfg.n_events = 200000; cfg.seed = 1;
//   EVGEN_ASSIGN_OR_RETURN(Table jets, GenerateQcdMultijetEvents(cfg));
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "core/io/table.h"
#include "core/physics/qcd_multijet.h"

namespace evgen {

struct QcdMultijetEventsConfig {
  int64_t n_events = 100000;  // events with >= 3 jets, not generated collisions
  uint64_t seed = 1;
  double sqrt_s_gev = 13000.0;
  // pt_hard_min_gev is the generation cut on the hard scale (the pT of the
  // 2 -> 2 scattering): see docs/physics.md for why the default is 900 GeV.
  double pt_hard_min_gev = 900.0;
};

// GenerateQcdMultijetEvents returns the jets of cfg.n_events events, each with
// at least three jets in the acceptance. Same config, same bytes; event i is a
// pure function of (seed, i) (it is drawn from CounterRng(seed, i) alone, so
// the first k events do not depend on n_events). InvalidArgument naming the
// field and its allowed range when n_events is outside [1, 2^24],
// sqrt_s_gev outside [2000, 1e6] GeV or pt_hard_min_gev outside
// [200, sqrt_s_gev / 4] GeV. Thread-safe; single-threaded inside.
[[nodiscard]] absl::StatusOr<Table> GenerateQcdMultijetEvents(const QcdMultijetEventsConfig& cfg);

}  // namespace evgen
