// line_reader.h: LineReader, which walks a text a line at a time, counting
// lines for the error messages ("events.lhe:1234: ..."). The LHE and HepMC
// readers read through it, from a file streamed block by block
// (ByteSource, possibly_gzipped_file.h) or from text in memory, with the same
// parsing code.
//
// A line ends at '\n' or at the end of the text; a '\r' before the '\n' is
// whitespace, trimmed with the rest, so CRLF files read like LF files.
//
// Streaming from a source, the reader holds one buffer: a block of the file
// and the line being read. A line longer than max_line bytes (64 MiB unless
// given) ends the text with an error, so that no input makes the buffer grow
// without bound; text in memory is viewed in place, without a limit.
//
// Example:
//   LineReader reader(file.get(), path);   // or LineReader reader(text);
//   std::string_view line;
//   while (reader.Next(&line)) {
//     if (line.empty()) continue;
//     if (bad) return absl::InvalidArgumentError(absl::StrCat(path, ":", reader.line(), ": ..."));
//   }
//   EVGEN_RETURN_IF_ERROR(reader.status());  // the source's error, if it ended on one
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/io/byte_source.h"
#include "core/io/text_fields.h"

namespace evgen {

// LineReader reads text in memory, which must outlive it (a std::string
// passed in is viewed, not copied), or a ByteSource, which must outlive it
// too. A line Next returns stays valid until the next call. Header-only so
// that the per-line call inlines into the parsers' loops.
class LineReader {
 public:
  static constexpr size_t kMaxLineBytes = size_t{64} << 20;
  static constexpr size_t kBlockBytes = size_t{1} << 20;

  explicit LineReader(std::string_view text) : window_(text) {}
  // `name` names the source in the error for an over-long line.
  LineReader(ByteSource* source, std::string name, size_t max_line = kMaxLineBytes)
      : source_(source), name_(std::move(name)), max_line_(max_line) {}

  // Next sets *line to the next line without its surrounding whitespace;
  // false at the end of the text, or when reading it failed (status()).
  bool Next(std::string_view* line) {
    size_t end = window_.find('\n', pos_);
    while (end == std::string_view::npos && source_ != nullptr && Refill()) {
      end = window_.find('\n', scanned_);
    }
    if (end == std::string_view::npos) {
      if (pos_ >= window_.size() || !status_.ok()) return false;
      end = window_.size();
    }
    raw_ = window_.substr(pos_, end - pos_);
    *line = text::Trim(raw_);
    pos_ = end + 1;
    scanned_ = pos_;
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
  uint64_t offset() const { return dropped_ + std::min(pos_, window_.size()); }
  // status is the error that ended the text early (a corrupt gzip stream, an
  // over-long line); OK while it reads and at a normal end.
  const absl::Status& status() const { return status_; }
  // Finish returns status(), or else the error reading the rest of the
  // source would give (ByteSource::CheckRest): the answer a reader that
  // stops early owes for a corrupt file.
  [[nodiscard]] absl::Status Finish() {
    if (status_.ok() && source_ != nullptr) status_ = source_->CheckRest();
    return status_;
  }

 private:
  // Refill keeps the unfinished line at the front of the buffer and appends
  // the next block after it; false at the end of the source or on an error.
  bool Refill() {
    if (ended_ || !status_.ok()) return false;
    const size_t kept = window_.size() - std::min(pos_, window_.size());
    if (pos_ > 0 && kept > 0) std::memmove(buffer_.get(), buffer_.get() + pos_, kept);
    dropped_ += std::min(pos_, window_.size());
    scanned_ = kept;
    pos_ = 0;
    if (kept > max_line_) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          name_, ":", line_ + 1, ": line longer than ", max_line_ >> 20, " MiB"));
      return false;
    }
    // Room for a block after the kept line; doubling, so that a long line
    // is not read a block at a time, up to the longest line allowed.
    const size_t want = std::min(kept + kBlockBytes, max_line_ + 1);
    if (capacity_ < want) Grow(kept, std::max(want, std::min(2 * capacity_, max_line_ + 1)));
    absl::StatusOr<size_t> n = source_->Read(buffer_.get() + kept, capacity_ - kept);
    if (!n.ok()) {
      status_ = n.status();
      window_ = std::string_view(buffer_.get(), kept);
      return false;
    }
    window_ = std::string_view(buffer_.get(), kept + *n);
    if (*n == 0) ended_ = true;
    return *n > 0;
  }

  // Grow moves the first `kept` bytes to a buffer of `capacity` bytes, left
  // uninitialised: zeroing a block per file was most of the time taken by
  // small files (fuzz inputs), and untouched pages then cost nothing.
  void Grow(size_t kept, size_t capacity) {
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (kept > 0) std::memcpy(bigger.get(), buffer_.get(), kept);
    buffer_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::string_view window_;  // the text, or the buffer's bytes not yet dropped
  std::string_view raw_;
  size_t pos_ = 0;      // where the next line starts in window_
  size_t scanned_ = 0;  // how far window_ was searched for that line's '\n'
  int64_t line_ = 0;
  uint64_t dropped_ = 0;  // bytes of the text before window_
  ByteSource* source_ = nullptr;
  std::string name_;
  size_t max_line_ = kMaxLineBytes;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  bool ended_ = false;
  absl::Status status_;
};

}  // namespace evgen
