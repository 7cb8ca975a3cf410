// config_reader.h: ConfigReader, the one typed reader of JSON configurations
// (model families, their network and noise specs, transforms, metric
// options), so that every config refuses the same things in the same words.
//
// A reader wraps one JSON object and a path that names it in messages
// ("config", "config.optimizer", "metrics.options"). Each read sets its
// output from the key when the key is present and leaves it, the default,
// otherwise; it checks the type, the range or the allowed values. The first
// error is kept and later reads do nothing, so a config is read as a plain
// list of fields. Finish() returns that error or, when every read passed,
// refuses the keys nobody read, listing the ones that were: a typo never
// passes silently.
//
// Messages name the whole path and the rule:
//   config.optimizer.lr_g must be a number in (0, 1], got 5
//   config.noise.kind must be one of "normal", "uniform", got "gauss"
//   unknown key 'config.optimiser'; allowed keys are [batch_size, ...]
//
// Example:
//   ConfigReader r(j, "config");
//   r.Integer("steps", c.steps, 1, kMaxSteps)
//       .Child("optimizer", [&](ConfigReader& o) { o.Number("lr_g", c.lr_g, Interval::OpenClosed(0, 1)); });
//   EVGEN_RETURN_IF_ERROR(r.Finish());
//
// Text mode reads option maps whose values are strings ({"bins": "20"}): a
// number is then a string that parses whole as one.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace evgen {

// Interval is the allowed range of a number; each end open or closed.
struct Interval {
  double low = -1e308, high = 1e308;
  bool low_open = false, high_open = false;

  static Interval Closed(double low, double high) { return {low, high, false, false}; }
  static Interval OpenClosed(double low, double high) { return {low, high, true, false}; }
  static Interval ClosedOpen(double low, double high) { return {low, high, false, true}; }
  static Interval Open(double low, double high) { return {low, high, true, true}; }
  // Any finite number.
  static Interval Finite() { return {}; }

  bool Contains(double v) const;
  // Rule is "a number in (0, 1]" or "a finite number"; Bounds is "(0, 1]",
  // or "" for any finite number.
  std::string Rule() const;
  std::string Bounds() const;
};

class ConfigReader {
 public:
  enum class Values { kJson, kText };

  // `object` must outlive the reader; null reads as an empty object. A value
  // that is not an object is an error Finish() reports.
  ConfigReader(const nlohmann::json& object, std::string path, Values values = Values::kJson);

  ConfigReader& Number(const char* key, double& out, Interval range = Interval::Finite());
  ConfigReader& Integer(const char* key, int64_t& out, int64_t low, int64_t high);
  ConfigReader& Integer(const char* key, int& out, int low, int high);
  ConfigReader& Bool(const char* key, bool& out);
  ConfigReader& Unsigned(const char* key, uint64_t& out);
  // String reads a string, non-empty unless `may_be_empty`.
  ConfigReader& String(const char* key, std::string& out, bool may_be_empty = false);
  ConfigReader& Choice(const char* key, std::string& out, const std::vector<std::string>& allowed);
  // Strings reads a list of non-empty strings.
  ConfigReader& Strings(const char* key, std::vector<std::string>& out);
  // Numbers reads a list of numbers in `range` with at least `min_size` entries.
  ConfigReader& Numbers(const char* key, std::vector<double>& out, Interval range, size_t min_size = 0);
  ConfigReader& Integers(const char* key, std::vector<int64_t>& out, int64_t low, int64_t high);
  // Object merges the keys of an object into `out` (a spec another reader
  // checks later, e.g. a network's); Array copies a list.
  ConfigReader& Object(const char* key, nlohmann::json& out);
  ConfigReader& Array(const char* key, nlohmann::json& out);
  // Child reads a nested object with a reader of its own (path "<path>.<key>");
  // its error, unknown keys included, becomes this reader's. A missing key
  // reads as an empty object, so the child's defaults stay.
  ConfigReader& Child(const char* key, const std::function<void(ConfigReader&)>& read);
  // Ignore accepts a key that is read elsewhere.
  ConfigReader& Ignore(const char* key);
  // Required fails when `key` is absent ("<path>.<key> is required").
  ConfigReader& Required(const char* key);
  // Require fails unless `ok`, with "<path>.<key> <why>": a cross-field rule.
  ConfigReader& Require(bool ok, const char* key, const std::string& why);

  bool Has(const char* key) const;
  // Name is "<path>.<key>" (or "<key>" for an empty path).
  std::string Name(const std::string& key) const;
  // status is the first error so far, without the unknown-key check: for a
  // spec that also holds state written by the program (fitted parameters).
  const absl::Status& status() const { return status_; }
  // Finish returns the first error, or refuses the keys no read asked for.
  [[nodiscard]] absl::Status Finish();

 private:
  // Take marks `key` as known and returns its value, or nullptr when it is
  // absent or an error came before.
  const nlohmann::json* Take(const char* key);
  void Fail(const std::string& key, const std::string& rule, const nlohmann::json& got);
  bool ReadNumber(const nlohmann::json& v, double& out) const;
  bool ReadInteger(const nlohmann::json& v, int64_t low, int64_t high, int64_t& out) const;

  const nlohmann::json* object_;
  std::string path_;
  Values values_;
  std::vector<std::string> known_;
  absl::Status status_;
};

}  // namespace evgen
