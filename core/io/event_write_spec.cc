#include "core/io/event_write_spec.h"

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/io/option_values.h"
#include "core/status_macros.h"

namespace evgen {

using options::ParseCount;
using options::ParseDoubleList;
using options::ParseIntList;
using options::UnknownKey;

absl::StatusOr<EventWriteSpec> ParseEventWriteSpec(
    const Table& table, const std::map<std::string, std::string>& options) {
  static const std::vector<std::string> kKnown = {
      "pdg_ids",          "masses_gev", "beam_pdg_ids",     "beam_energies_gev",
      "incoming_pdg_ids", "process_id", "idwtup", "cross_section_pb", "scale_gev"};
  // A padded or per-particle table (layout=padded / particles) holds a
  // particle count: its padding slots would be written as particles at rest,
  // and its rows are not events. Refused until the writers read the count.
  if (table.HasColumn("n_particles")) {
    return absl::InvalidArgumentError(
        "the table has an n_particles column (read with layout=padded or layout=particles): "
        "writing it as events would turn padding slots into particles; export it as csv, npy "
        "or h5");
  }
  // Column groups <prefix>_px_gev/_py_gev/_pz_gev, in column order.
  std::vector<std::string> prefixes;
  const std::string kPx = "_px_gev";
  for (const std::string& c : table.columns()) {
    if (c.size() <= kPx.size() || c.compare(c.size() - kPx.size(), kPx.size(), kPx) != 0) continue;
    std::string prefix = c.substr(0, c.size() - kPx.size());
    if (table.HasColumn(prefix + "_py_gev") && table.HasColumn(prefix + "_pz_gev")) {
      prefixes.push_back(prefix);
    }
  }
  if (prefixes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the table has no particle columns <name>_px_gev, <name>_py_gev, <name>_pz_gev; it has ",
        absl::StrJoin(table.columns(), ", ")));
  }
  EventWriteSpec spec;
  std::vector<int> pdg_ids;
  std::vector<double> masses;
  for (const auto& [key, value] : options) {
    if (key == "pdg_ids") {
      EVGEN_ASSIGN_OR_RETURN(pdg_ids, ParseIntList(key, value));
    } else if (key == "masses_gev") {
      EVGEN_ASSIGN_OR_RETURN(masses, ParseDoubleList(key, value));
    } else if (key == "beam_pdg_ids") {
      EVGEN_ASSIGN_OR_RETURN(std::vector<int> b, ParseIntList(key, value));
      if (b.size() != 2) return absl::InvalidArgumentError("option beam_pdg_ids: give two ids");
      spec.beam1_pdg_id = b[0];
      spec.beam2_pdg_id = b[1];
    } else if (key == "beam_energies_gev") {
      EVGEN_ASSIGN_OR_RETURN(std::vector<double> b, ParseDoubleList(key, value));
      if (b.size() != 2 || b[0] <= 0 || b[1] <= 0) {
        return absl::InvalidArgumentError("option beam_energies_gev: give two positive energies");
      }
      spec.beam1_energy_gev = b[0];
      spec.beam2_energy_gev = b[1];
    } else if (key == "incoming_pdg_ids") {
      if (absl::StripAsciiWhitespace(value) == "none") {
        spec.incoming_pdg_ids.clear();
      } else {
        EVGEN_ASSIGN_OR_RETURN(spec.incoming_pdg_ids, ParseIntList(key, value));
        if (spec.incoming_pdg_ids.size() != 2) {
          return absl::InvalidArgumentError(
              "option incoming_pdg_ids: give two ids (e.g. 21,21) or none");
        }
      }
    } else if (key == "process_id") {
      EVGEN_ASSIGN_OR_RETURN(int64_t p, ParseCount(key, value));
      spec.process_id = static_cast<int>(p);
    } else if (key == "idwtup") {
      EVGEN_ASSIGN_OR_RETURN(std::vector<int> v, ParseIntList(key, value));
      if (v.size() != 1 || v[0] == 0 || std::abs(v[0]) > 4) {
        return absl::InvalidArgumentError(
            absl::StrCat("option idwtup: '", value, "' is not one of -4..-1, 1..4"));
      }
      spec.idwtup = v[0];
    } else if (key == "cross_section_pb") {
      EVGEN_ASSIGN_OR_RETURN(std::vector<double> v, ParseDoubleList(key, value));
      if (v.size() != 1) return absl::InvalidArgumentError("option cross_section_pb: one number");
      spec.cross_section_pb = v[0];
    } else if (key == "scale_gev") {
      EVGEN_ASSIGN_OR_RETURN(std::vector<double> v, ParseDoubleList(key, value));
      if (v.size() != 1) return absl::InvalidArgumentError("option scale_gev: one number");
      spec.scale_gev = v[0];
    } else {
      return UnknownKey(key, kKnown);
    }
  }
  if (pdg_ids.empty()) {
    const std::vector<std::string> kAllhad = {"p1", "p2", "p3", "p4", "p5", "p6"};
    if (prefixes != kAllhad) {
      return absl::InvalidArgumentError(absl::StrCat(
          "option pdg_ids is required: give one PDG id for each particle column group (",
          absl::StrJoin(prefixes, ", "), ")"));
    }
    pdg_ids = {1, -2, -5, 2, -1, 5};
  }
  if (pdg_ids.size() != prefixes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("option pdg_ids has ", pdg_ids.size(), " ids for ", prefixes.size(),
                     " particle column groups (", absl::StrJoin(prefixes, ", "), ")"));
  }
  if (!masses.empty() && masses.size() != prefixes.size()) {
    return absl::InvalidArgumentError(absl::StrCat("option masses_gev has ", masses.size(),
                                                   " masses for ", prefixes.size(),
                                                   " particle column groups"));
  }
  for (size_t i = 0; i < prefixes.size(); ++i) {
    EventWriteSpec::Particle p;
    p.prefix = prefixes[i];
    p.pdg_id = pdg_ids[i];
    if (!masses.empty()) p.mass_gev = masses[i];
    spec.particles.push_back(std::move(p));
  }
  return spec;
}

}  // namespace evgen
