#include "core/io/particle_selection.h"

#include <cmath>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/io/option_values.h"
#include "core/io/text_fields.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using options::ParseBool;
using options::ParseCount;
using options::ParseIntList;
using options::UnknownKey;

// ParsePadValue reads the padded layout's fill value: a finite float32, or
// "nan" for analyses that mark missing values so.
absl::StatusOr<float> ParsePadValue(const std::string& value) {
  const std::string v(absl::StripAsciiWhitespace(value));
  if (absl::AsciiStrToLower(v) == "nan") return std::numeric_limits<float>::quiet_NaN();
  double d = 0;
  if (!text::ParseNumber(v, &d) || !std::isfinite(static_cast<float>(d))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "option pad_value: '", value, "' is not a finite float32 number or nan (e.g. 0, -999, nan)"));
  }
  return static_cast<float>(d);
}

}  // namespace

const char* ParticleLayoutName(ParticleLayout layout) {
  switch (layout) {
    case ParticleLayout::kFixed:
      return "fixed";
    case ParticleLayout::kPadded:
      return "padded";
    case ParticleLayout::kParticles:
      return "particles";
  }
  return "fixed";
}

absl::StatusOr<ParticleLayout> ParseParticleLayout(const std::string& name) {
  for (ParticleLayout l : {ParticleLayout::kFixed, ParticleLayout::kPadded, ParticleLayout::kParticles}) {
    if (name == ParticleLayoutName(l)) return l;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("option layout: '", name, "' is not one of fixed, padded, particles"));
}

absl::StatusOr<ParticleSelection> ParseParticleSelection(
    const std::map<std::string, std::string>& options) {
  static const std::vector<std::string> kKnown = {
      "pdg_ids",        "statuses",        "abs_pdg",      "include_mass", "include_pdg_id",
      "skip_incomplete", "slot_names",     "layout",       "multiplicity", "pad_value",
      "max_events"};
  ParticleSelection s;
  for (const auto& [key, value] : options) {
    if (key == "pdg_ids") {
      EVGEN_ASSIGN_OR_RETURN(s.pdg_ids, ParseIntList(key, value));
    } else if (key == "statuses") {
      EVGEN_ASSIGN_OR_RETURN(s.statuses, ParseIntList(key, value));
      if (s.statuses.empty()) {
        return absl::InvalidArgumentError("option statuses: give at least one status, e.g. 1");
      }
    } else if (key == "abs_pdg") {
      EVGEN_ASSIGN_OR_RETURN(s.abs_pdg, ParseBool(key, value));
    } else if (key == "include_mass") {
      EVGEN_ASSIGN_OR_RETURN(s.include_mass, ParseBool(key, value));
    } else if (key == "include_pdg_id") {
      EVGEN_ASSIGN_OR_RETURN(s.include_pdg_id, ParseBool(key, value));
    } else if (key == "skip_incomplete") {
      EVGEN_ASSIGN_OR_RETURN(s.skip_incomplete, ParseBool(key, value));
    } else if (key == "slot_names") {
      s.slot_names.clear();
      for (absl::string_view n : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        s.slot_names.emplace_back(absl::StripAsciiWhitespace(n));
      }
    } else if (key == "multiplicity") {
      EVGEN_ASSIGN_OR_RETURN(int64_t m, ParseCount(key, value));
      if (m > 100000) return absl::InvalidArgumentError("option multiplicity: at most 100000");
      s.multiplicity = static_cast<int>(m);
    } else if (key == "max_events") {
      EVGEN_ASSIGN_OR_RETURN(s.max_events, ParseCount(key, value));
    } else if (key == "layout") {
      EVGEN_ASSIGN_OR_RETURN(s.layout,
                             ParseParticleLayout(std::string(absl::StripAsciiWhitespace(value))));
    } else if (key == "pad_value") {
      EVGEN_ASSIGN_OR_RETURN(s.pad_value, ParsePadValue(value));
    } else {
      return UnknownKey(key, kKnown);
    }
  }
  return s;
}

}  // namespace evgen
