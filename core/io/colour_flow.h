// colour_flow.h: colour lines for the partons of a written event record
// (LHE ICOLUP), so that a shower program (Pythia, Herwig) accepts the event:
// every colour tag must leave the hard process as often as it enters it.
//
// The rule (docs/formats.md, "Colour lines"): quarks carry a colour,
// antiquarks an anticolour, gluons both; leptons, photons, W, Z and Higgs
// bosons, and every id evgen does not know as coloured, carry none. First the
// given singlet pairs (a quark and an antiquark from one W) share a tag; then
// each remaining final-state quark is paired, as a W would leave them, with
// an antiquark of the other up/down type (same generation first); whatever
// is left (b quarks, incoming partons) is joined in one chain through the
// gluons, e.g. g g -> b bbar: b = 501, g1 = (501, 502), g2 = (502, 503),
// bbar = anticolour 503. A final state that leaves triplets and
// antitriplets unbalanced, or one lone gluon, has no colour flow: an error
// naming the PDG ids.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(ColourFlow flow, AssignColours({21, 21}, {5, -5}));
//   // flow.outgoing[0].colour == 501, flow.incoming[0] == {501, 502}, ...
#pragma once

#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace evgen {

// ColourTags are a particle's ICOLUP1 (colour) and ICOLUP2 (anticolour); 0
// is none.
struct ColourTags {
  int colour = 0;
  int anticolour = 0;
};

struct ColourFlow {
  std::vector<ColourTags> incoming;
  std::vector<ColourTags> outgoing;
};

// kFirstColourTag is the first tag used, as MadGraph and Pythia number them.
inline constexpr int kFirstColourTag = 501;

// IsQuark, IsAntiquark and IsGluon say how a PDG id carries colour (quarks
// are ids 1..8).
bool IsQuark(int pdg_id);
bool IsAntiquark(int pdg_id);
bool IsGluon(int pdg_id);

// AssignColours gives each incoming and outgoing particle its tags. Each of
// `singlets` names two outgoing particles, a quark and an antiquark, that
// leave as a colour singlet (the decay of a W); InvalidArgument if they are
// not a quark and an antiquark, or if colour cannot be conserved.
[[nodiscard]] absl::StatusOr<ColourFlow> AssignColours(
    const std::vector<int>& incoming_pdg_ids, const std::vector<int>& outgoing_pdg_ids,
    const std::vector<std::pair<int, int>>& singlets = {});

}  // namespace evgen
