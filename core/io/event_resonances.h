// event_resonances.h: the intermediate particles (status 2) an event writer
// adds for a table layout whose decay chain is known, so that a shower
// program keeps the resonance masses. Today that is the ttbar-allhad layout
// of core/physics/ttbar.h: p1 + p2 = W-, p1 + p2 + p3 = tbar, p4 + p5 = W+,
// p4 + p5 + p6 = t. LheWriter writes them. HepMC3Writer does not yet:
// libHepMC3 writes a one-parent decay vertex without a V line, which
// evgen's HepMC reader refuses ("1 vertex lines, the E line says 5").
//
// Example:
//   for (const Resonance& r : TtbarResonances(spec)) { ... r.finals ... }
#pragma once

#include <vector>

#include "core/io/event_write_spec.h"

namespace evgen {

// Resonance is an intermediate particle whose momentum is the sum of its
// final-state descendants `finals` (indices into the spec's particles);
// `mother` is the index of the resonance it comes from, or -1 for the hard
// process. A list holds mothers before their daughters.
struct Resonance {
  int pdg_id = 0;
  int mother = -1;
  std::vector<int> finals;
};

// TtbarResonances returns t, tbar, W+, W- (in that order) for the column
// groups p1..p6 when their PDG ids fit the ttbar-allhad decay chain by
// charge (any W decay, p3 an antiquark and p6 a quark: the default d ubar
// bbar u dbar b, or c sbar, e- nubar, ...), and nothing otherwise.
std::vector<Resonance> TtbarResonances(const EventWriteSpec& spec);

// InnermostResonance gives, for each of `particles` final-state particles,
// the index of the innermost resonance it descends from (the W before the
// top), or -1 for a particle of the hard process.
std::vector<int> InnermostResonance(const std::vector<Resonance>& resonances, size_t particles);

}  // namespace evgen
