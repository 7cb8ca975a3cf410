// text_fields.h: whitespace-separated field splitting for the text event
// formats (LHE, HepMC), without copying the line, the number spellings their
// writers use, and the shortest exact spelling of a number for our writers.
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
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

// ParseNumber accepts C and Fortran ("1.0D+02") spellings; non-finite values
// are rejected because no event record legitimately holds them.
inline bool ParseNumber(std::string_view field, double* value) {
  std::string buffer;
  if (field.find_first_of("dD") != std::string_view::npos) {
    buffer.assign(field.data(), field.size());
    for (char& c : buffer) {
      if (c == 'd' || c == 'D') c = 'e';
    }
    field = buffer;
  }
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  return absl::SimpleAtod(Absl(field), value) && std::isfinite(*value);
}

// ShortestFloat prints a float32 in scientific notation with the fewest
// digits that read back (as float32) to the same value, so that a value read
// from text with up to 6 significant digits is written back with the same
// digits ("0.37513" gives 3.7513e-01, where %.9e would print 3.751299977e-01).
inline std::string ShortestFloat(float v) {
  char buffer[32];
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::scientific);
  return std::string(buffer, r.ptr);
}

// ShortestDouble prints a double with the fewest digits that read back to the
// same value ("3500", "692.237").
inline std::string ShortestDouble(double v) {
  char buffer[32];
  const std::to_chars_result r = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, r.ptr);
}

}  // namespace evgen::text
