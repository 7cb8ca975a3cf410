// html_escape.h: EscapeHtml, user text (column names, titles, warnings) made
// safe inside HTML and SVG text and attribute values, quoted with either
// quote character.
#pragma once

#include <string>

namespace evgen::report {

inline std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace evgen::report
