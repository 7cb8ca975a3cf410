#include "core/io/read_report.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace evgen {
namespace {

using nlohmann::json;

absl::Status BadKey(const std::string& key, const std::string& expected) {
  return absl::InvalidArgumentError(absl::StrCat("read report: '", key, "' must be ", expected));
}

// ReadCount reads a non-negative integer; JSON from a peer may hold anything.
absl::Status ReadCount(const json& in, const std::string& key, int64_t* out) {
  if (!in.contains(key)) return absl::OkStatus();
  const json& v = in.at(key);
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return BadKey(key, "a non-negative integer");
  }
  *out = v.get<int64_t>();
  return absl::OkStatus();
}

absl::Status ReadCountMap(const json& in, const std::string& key,
                          std::map<std::string, int64_t>* out) {
  if (!in.contains(key)) return absl::OkStatus();
  const json& v = in.at(key);
  if (!v.is_object()) return BadKey(key, "an object of counts");
  for (const auto& [name, count] : v.items()) {
    if (!count.is_number_integer() || count.get<int64_t>() < 0) {
      return BadKey(absl::StrCat(key, ".", name), "a non-negative integer");
    }
    (*out)[name] = count.get<int64_t>();
  }
  return absl::OkStatus();
}

absl::Status ReadStringMap(const json& in, const std::string& key,
                           std::map<std::string, std::string>* out) {
  if (!in.contains(key)) return absl::OkStatus();
  const json& v = in.at(key);
  if (!v.is_object()) return BadKey(key, "an object of strings");
  for (const auto& [name, value] : v.items()) {
    if (!value.is_string()) return BadKey(absl::StrCat(key, ".", name), "a string");
    (*out)[name] = value.get<std::string>();
  }
  return absl::OkStatus();
}

}  // namespace

int64_t ReadReport::events_skipped_total() const {
  int64_t total = 0;
  for (const auto& [reason, count] : events_skipped) total += count;
  return total;
}

nlohmann::json ReadReport::ToJson() const {
  json out = json::object();
  out["events_in_file"] = events_in_file;
  out["events_kept"] = events_kept;
  out["events_skipped"] = json::object();
  for (const auto& [reason, count] : events_skipped) out["events_skipped"][reason] = count;
  // JSON object keys are strings; the multiplicity is written in decimal.
  out["events_per_multiplicity"] = json::object();
  for (const auto& [n, count] : events_per_multiplicity) {
    out["events_per_multiplicity"][std::to_string(n)] = count;
  }
  out["rows"] = rows;
  out["columns"] = columns;
  out["non_finite_values"] = non_finite_values;
  out["write_options"] = write_options;
  out["notes"] = notes;
  return out;
}

absl::StatusOr<ReadReport> ReadReport::FromJson(const nlohmann::json& in) {
  if (!in.is_object()) return absl::InvalidArgumentError("read report: expected a JSON object");
  ReadReport r;
  for (const auto& [key, field] : {std::pair<const char*, int64_t*>{"events_in_file", &r.events_in_file},
                                   {"events_kept", &r.events_kept},
                                   {"rows", &r.rows},
                                   {"columns", &r.columns},
                                   {"non_finite_values", &r.non_finite_values}}) {
    if (absl::Status s = ReadCount(in, key, field); !s.ok()) return s;
  }
  if (absl::Status s = ReadCountMap(in, "events_skipped", &r.events_skipped); !s.ok()) return s;
  std::map<std::string, int64_t> by_text;
  if (absl::Status s = ReadCountMap(in, "events_per_multiplicity", &by_text); !s.ok()) return s;
  for (const auto& [text, count] : by_text) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(text, &n) || n < 0) {
      return BadKey(absl::StrCat("events_per_multiplicity.", text), "keyed by a particle count");
    }
    r.events_per_multiplicity[n] = count;
  }
  if (absl::Status s = ReadStringMap(in, "write_options", &r.write_options); !s.ok()) return s;
  if (in.contains("notes")) {
    const json& notes = in.at("notes");
    if (!notes.is_array()) return BadKey("notes", "an array of strings");
    for (const json& n : notes) {
      if (!n.is_string()) return BadKey("notes", "an array of strings");
      r.notes.push_back(n.get<std::string>());
    }
  }
  return r;
}

}  // namespace evgen
