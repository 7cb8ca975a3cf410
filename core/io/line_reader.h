// line_reader.h: LineReader, which walks a text file's contents a line at a
// time without copying them, counting lines for the error messages
// ("events.lhe:1234: ..."). The LHE and HepMC readers read their (inflated,
// possibly_gzipped_file.h) text through it.
//
// A line ends at '\n' or at the end of the text; a '\r' before the '\n' is
// whitespace, trimmed with the rest, so CRLF files read like LF files.
//
// Example:
//   LineReader reader(text);
//   std::string_view line;
//   while (reader.Next(&line)) {
//     if (line.empty()) continue;
//     if (bad) return absl::InvalidArgumentError(absl::StrCat(path, ":", reader.line(), ": ..."));
//   }
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "core/io/text_fields.h"

namespace evgen {

// LineReader reads `text`, which must outlive it (a std::string passed in is
// viewed, not copied). Header-only so that the per-line call inlines into the
// parsers' loops.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}

  // Next sets *line to the next line without its surrounding whitespace;
  // false at the end of the text.
  bool Next(std::string_view* line) {
    if (pos_ >= text_.size()) return false;
    size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    raw_ = text_.substr(pos_, end - pos_);
    *line = text::Trim(raw_);
    pos_ = end + 1;
    ++line_;
    return true;
  }
  // line is the number of the line Next set last, counting from 1.
  int64_t line() const { return line_; }
  // raw is that line untrimmed (without its '\n'), for formats where leading
  // whitespace is an error.
  std::string_view raw() const { return raw_; }
  // offset is how many bytes of the text the lines read so far span,
  // their '\n's included: where the next line starts.
  size_t offset() const { return std::min(pos_, text_.size()); }

 private:
  std::string_view text_;
  std::string_view raw_;
  size_t pos_ = 0;
  int64_t line_ = 0;
};

}  // namespace evgen
