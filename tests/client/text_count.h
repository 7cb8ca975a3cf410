// text_count.h: Count, how often `what` occurs in `text` (overlaps
// included), for tests that check how many of an element a page draws.
#pragma once

#include <string>

namespace evgen::report {

inline size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace evgen::report
