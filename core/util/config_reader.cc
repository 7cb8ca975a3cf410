#include "core/util/config_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace evgen {
namespace {

// Shown is how a value appears in a message: its JSON, cut short.
std::string Shown(const nlohmann::json& v) {
  std::string s = v.dump();
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

// ReadList sets `out` to the items of the list `v` when it has at least
// `min_size` of them and read_one accepts each; false otherwise.
template <typename T, typename ReadOne>
bool ReadList(const nlohmann::json& v, size_t min_size, const ReadOne& read_one, std::vector<T>& out) {
  if (!v.is_array() || v.size() < min_size) return false;
  std::vector<T> items;
  for (const nlohmann::json& item : v) {
    T x{};
    if (!read_one(item, x)) return false;
    items.push_back(std::move(x));
  }
  out = std::move(items);
  return true;
}

}  // namespace

bool Interval::Contains(double v) const {
  if (!std::isfinite(v)) return false;
  const bool above = low_open ? v > low : v >= low;
  const bool below = high_open ? v < high : v <= high;
  return above && below;
}

std::string Interval::Bounds() const {
  if (low == Finite().low && high == Finite().high) return "";
  return absl::StrCat(low_open ? "(" : "[", low, ", ", high, high_open ? ")" : "]");
}

std::string Interval::Rule() const {
  const std::string bounds = Bounds();
  return bounds.empty() ? "a finite number" : absl::StrCat("a number in ", bounds);
}

ConfigReader::ConfigReader(const nlohmann::json& object, std::string path, Values values)
    : object_(&object), path_(std::move(path)), values_(values) {
  if (!object.is_null() && !object.is_object()) {
    status_ = absl::InvalidArgumentError(
        absl::StrCat(path_.empty() ? "the config" : path_, " must be a JSON object, got ", Shown(object)));
  }
}

std::string ConfigReader::Name(const std::string& key) const {
  return path_.empty() ? key : absl::StrCat(path_, ".", key);
}

bool ConfigReader::Has(const char* key) const { return object_->is_object() && object_->contains(key); }

const nlohmann::json* ConfigReader::Take(const char* key) {
  known_.emplace_back(key);
  if (!status_.ok() || !Has(key)) return nullptr;
  return &object_->at(key);
}

void ConfigReader::Fail(const std::string& key, const std::string& rule, const nlohmann::json& got) {
  if (!status_.ok()) return;
  status_ = absl::InvalidArgumentError(absl::StrCat(Name(key), " must be ", rule, ", got ", Shown(got)));
}

bool ConfigReader::ReadNumber(const nlohmann::json& v, double& out) const {
  if (values_ == Values::kText && v.is_string()) {
    return absl::SimpleAtod(v.get<std::string>(), &out) && std::isfinite(out);
  }
  if (!v.is_number()) return false;
  out = v.get<double>();
  return std::isfinite(out);
}

bool ConfigReader::ReadInteger(const nlohmann::json& v, int64_t low, int64_t high, int64_t& out) const {
  if (values_ == Values::kText && v.is_string()) {
    return absl::SimpleAtoi(v.get<std::string>(), &out) && out >= low && out <= high;
  }
  if (!v.is_number_integer()) return false;
  // get<double> first so an unsigned 2^64-1 cannot wrap into range.
  const double d = v.get<double>();
  if (d < static_cast<double>(low) || d > static_cast<double>(high)) return false;
  out = v.get<int64_t>();
  return out >= low && out <= high;
}

ConfigReader& ConfigReader::Number(const char* key, double& out, Interval range) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  double d = 0;
  if (!ReadNumber(*v, d) || !range.Contains(d)) {
    Fail(key, range.Rule(), *v);
  } else {
    out = d;
  }
  return *this;
}

ConfigReader& ConfigReader::Integer(const char* key, int64_t& out, int64_t low, int64_t high) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  int64_t i = 0;
  if (!ReadInteger(*v, low, high, i)) {
    Fail(key, absl::StrCat("an integer in [", low, ", ", high, "]"), *v);
  } else {
    out = i;
  }
  return *this;
}

ConfigReader& ConfigReader::Integer(const char* key, int& out, int low, int high) {
  int64_t wide = out;
  Integer(key, wide, low, high);
  out = static_cast<int>(wide);
  return *this;
}

ConfigReader& ConfigReader::Bool(const char* key, bool& out) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (v->is_boolean()) {
    out = v->get<bool>();
  } else if (values_ == Values::kText && v->is_string() && (*v == "true" || *v == "false")) {
    out = *v == "true";
  } else {
    Fail(key, "true or false", *v);
  }
  return *this;
}

ConfigReader& ConfigReader::Unsigned(const char* key, uint64_t& out) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (!v->is_number_unsigned()) {
    Fail(key, "an unsigned integer", *v);
  } else {
    out = v->get<uint64_t>();
  }
  return *this;
}

ConfigReader& ConfigReader::String(const char* key, std::string& out, bool may_be_empty) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (!v->is_string() || (!may_be_empty && v->get<std::string>().empty())) {
    Fail(key, may_be_empty ? "a string" : "a non-empty string", *v);
  } else {
    out = v->get<std::string>();
  }
  return *this;
}

ConfigReader& ConfigReader::Choice(const char* key, std::string& out,
                                   const std::vector<std::string>& allowed) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (!v->is_string() ||
      std::find(allowed.begin(), allowed.end(), v->get<std::string>()) == allowed.end()) {
    Fail(key, absl::StrCat("one of \"", absl::StrJoin(allowed, "\", \""), "\""), *v);
  } else {
    out = v->get<std::string>();
  }
  return *this;
}

ConfigReader& ConfigReader::Strings(const char* key, std::vector<std::string>& out) {
  const nlohmann::json* v = Take(key);
  const auto read_one = [](const nlohmann::json& item, std::string& x) {
    if (!item.is_string() || item.get<std::string>().empty()) return false;
    x = item.get<std::string>();
    return true;
  };
  if (v != nullptr && !ReadList(*v, 0, read_one, out)) Fail(key, "a list of non-empty strings", *v);
  return *this;
}

ConfigReader& ConfigReader::Numbers(const char* key, std::vector<double>& out, Interval range,
                                    size_t min_size) {
  const nlohmann::json* v = Take(key);
  const auto read_one = [&](const nlohmann::json& item, double& x) { return ReadNumber(item, x) && range.Contains(x); };
  if (v != nullptr && !ReadList(*v, min_size, read_one, out)) {
    const std::string size = min_size > 0 ? absl::StrCat(" (at least ", min_size, ")") : "";
    const std::string bounds = range.Bounds();
    Fail(key,
         absl::StrCat("a list", size, bounds.empty() ? " of finite numbers" : absl::StrCat(" of numbers in ", bounds)),
         *v);
  }
  return *this;
}

ConfigReader& ConfigReader::Integers(const char* key, std::vector<int64_t>& out, int64_t low,
                                     int64_t high) {
  const nlohmann::json* v = Take(key);
  const auto read_one = [&](const nlohmann::json& item, int64_t& x) { return ReadInteger(item, low, high, x); };
  if (v != nullptr && !ReadList(*v, 0, read_one, out)) {
    Fail(key, absl::StrCat("a list of integers in [", low, ", ", high, "]"), *v);
  }
  return *this;
}

ConfigReader& ConfigReader::Object(const char* key, nlohmann::json& out) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (!v->is_object()) {
    Fail(key, "a JSON object", *v);
    return *this;
  }
  // Merged, so a preset's object keeps the keys an override does not name.
  for (const auto& item : v->items()) out[item.key()] = item.value();
  return *this;
}

ConfigReader& ConfigReader::Array(const char* key, nlohmann::json& out) {
  const nlohmann::json* v = Take(key);
  if (v == nullptr) return *this;
  if (!v->is_array()) {
    Fail(key, "a list", *v);
    return *this;
  }
  out = *v;
  return *this;
}

ConfigReader& ConfigReader::Child(const char* key, const std::function<void(ConfigReader&)>& read) {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json* v = Take(key);
  if (!status_.ok()) return *this;
  ConfigReader child(v == nullptr ? kEmpty : *v, Name(key), values_);
  read(child);
  status_ = child.Finish();
  return *this;
}

ConfigReader& ConfigReader::Ignore(const char* key) {
  known_.emplace_back(key);
  return *this;
}

ConfigReader& ConfigReader::Required(const char* key) {
  return Require(Has(key), key, "is required");
}

ConfigReader& ConfigReader::Require(bool ok, const char* key, const std::string& why) {
  if (!ok && status_.ok()) status_ = absl::InvalidArgumentError(absl::StrCat(Name(key), " ", why));
  return *this;
}

absl::Status ConfigReader::Finish() {
  if (!status_.ok() || !object_->is_object()) return status_;
  for (const auto& item : object_->items()) {
    if (std::find(known_.begin(), known_.end(), item.key()) != known_.end()) continue;
    std::vector<std::string> allowed = known_;
    std::sort(allowed.begin(), allowed.end());
    allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
    status_ = absl::InvalidArgumentError(absl::StrCat("unknown key '", Name(item.key()),
                                                      "'; allowed keys are [",
                                                      absl::StrJoin(allowed, ", "), "]"));
    break;
  }
  return status_;
}

}  // namespace evgen
