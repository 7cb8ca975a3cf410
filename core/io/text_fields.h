// text_fields.h: whitespace-separated field splitting for the text event
// formats (LHE, HepMC), without copying the line.
#pragma once

#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

namespace evgen::text {

// Absl converts a std::string_view to Debian Abseil's own absl::string_view.
inline absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

inline std::string_view Trim(std::string_view s) {
  size_t b = 0;
  while (b < s.size() && absl::ascii_isspace(static_cast<unsigned char>(s[b]))) ++b;
  size_t e = s.size();
  while (e > b && absl::ascii_isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Fields splits a line at runs of whitespace.
inline std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && absl::ascii_isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !absl::ascii_isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace evgen::text
