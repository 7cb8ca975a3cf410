#include "core/io/option_values.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/io/text_fields.h"

namespace evgen::options {

absl::StatusOr<std::vector<int>> ParseIntList(const std::string& key, const std::string& value) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v)) {
      return absl::InvalidArgumentError(absl::StrCat("option ", key, ": '", std::string(part),
                                                     "' is not an integer (expected e.g. 6,-6)"));
    }
    out.push_back(v);
  }
  return out;
}

absl::StatusOr<std::vector<double>> ParseDoubleList(const std::string& key,
                                                    const std::string& value) {
  std::vector<double> out;
  for (absl::string_view part : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    double v = 0;
    std::string p(absl::StripAsciiWhitespace(part));
    if (!text::ParseNumber(p, &v)) {
      return absl::InvalidArgumentError(
          absl::StrCat("option ", key, ": '", p, "' is not a number"));
    }
    out.push_back(v);
  }
  return out;
}

absl::StatusOr<bool> ParseBool(const std::string& key, const std::string& value) {
  std::string v = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(value)));
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("option ", key, ": '", value, "' is not a boolean (true/false/1/0)"));
}

absl::StatusOr<int64_t> ParseCount(const std::string& key, const std::string& value) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(value, &v) || v < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("option ", key, ": '", value, "' is not a non-negative integer"));
  }
  return v;
}

absl::Status UnknownKey(const std::string& key, const std::vector<std::string>& known) {
  return absl::InvalidArgumentError(absl::StrCat("unknown option '", key, "'; known options: ",
                                                 absl::StrJoin(known, ", ")));
}

}  // namespace evgen::options
