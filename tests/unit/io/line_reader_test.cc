#include "core/io/line_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace evgen {
namespace {

// TrickleSource hands out its text a few bytes at a time, so that lines
// cross every possible block boundary, and can fail after `fail_after`
// bytes as a corrupt gzip stream does.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(std::string text, size_t step, size_t fail_after = std::string::npos)
      : text_(std::move(text)), step_(step), fail_after_(fail_after) {}
  absl::StatusOr<size_t> Read(char* buffer, size_t size) override {
    if (at_ >= fail_after_) return absl::InvalidArgumentError("f.gz: corrupt gzip stream");
    const size_t n = std::min({size, step_, text_.size() - at_, fail_after_ - at_});
    text_.copy(buffer, n, at_);
    at_ += n;
    return n;
  }
  absl::Status CheckRest() override {
    return fail_after_ <= text_.size() ? absl::InvalidArgumentError("f.gz: corrupt gzip stream")
                                       : absl::OkStatus();
  }

 private:
  std::string text_;
  size_t step_;
  size_t fail_after_;
  size_t at_ = 0;
};

struct Line {
  std::string trimmed, raw;
  int64_t number = 0;
  uint64_t offset = 0;
  bool operator==(const Line& o) const {
    return trimmed == o.trimmed && raw == o.raw && number == o.number && offset == o.offset;
  }
};

std::vector<Line> AllLines(LineReader* reader) {
  std::vector<Line> lines;
  std::string_view line;
  while (reader->Next(&line)) {
    lines.push_back(Line{std::string(line), std::string(reader->raw()), reader->line(),
                         reader->offset()});
  }
  return lines;
}

TEST(LineReaderTest, StreamedLinesEqualTheLinesOfTheTextInMemory) {
  const std::vector<std::string> texts = {
      "", "\n", "a", "a\n", "a\r\nb\r\n", "  lead\ttab \n\n\nlast without newline",
      "<event>\n 2 1 2.5 100 0.0078 0.118\n 6 1 1 2 501 0 10 20 30 200.0 173.0 0 9\n</event>\n"};
  for (const std::string& text : texts) {
    LineReader in_memory(text);
    const std::vector<Line> expected = AllLines(&in_memory);
    for (size_t step : {1, 2, 3, 7, 1000}) {
      TrickleSource source(text, step);
      LineReader streamed(&source, "f");
      EXPECT_EQ(AllLines(&streamed), expected) << "step " << step << " text '" << text << "'";
      EXPECT_TRUE(streamed.status().ok());
      EXPECT_TRUE(streamed.Finish().ok());
    }
  }
}

TEST(LineReaderTest, LinesLongerThanABlockAreReadWhole) {
  const std::string long_line(3 * LineReader::kBlockBytes + 5, 'x');
  const std::string text = "a\n" + long_line + "\nb";
  TrickleSource source(text, LineReader::kBlockBytes / 3);
  LineReader reader(&source, "f");
  std::string_view line;
  ASSERT_TRUE(reader.Next(&line));
  ASSERT_TRUE(reader.Next(&line));
  EXPECT_EQ(line.size(), long_line.size());
  ASSERT_TRUE(reader.Next(&line));
  EXPECT_EQ(line, "b");
  EXPECT_EQ(reader.offset(), text.size());
  EXPECT_FALSE(reader.Next(&line));
}

// A line longer than the limit ends the text with an error naming the
// source and the line, so that no input grows the buffer without bound.
TEST(LineReaderTest, AnOverLongLineIsAnError) {
  const size_t limit = size_t{1} << 20;
  TrickleSource source("ok\n" + std::string(limit + 1, 'x') + "\n", 4096);
  LineReader reader(&source, "f.lhe", limit);
  std::string_view line;
  ASSERT_TRUE(reader.Next(&line));
  EXPECT_FALSE(reader.Next(&line));
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reader.status().message(), "f.lhe:2: line longer than 1 MiB");
  EXPECT_EQ(reader.Finish().message(), "f.lhe:2: line longer than 1 MiB");

  // A line of exactly the limit reads, wherever its '\n' arrives.
  for (size_t step : {size_t{4096}, size_t{1000}, limit}) {
    TrickleSource fits(std::string(limit, 'x') + "\nok", step);
    LineReader whole(&fits, "f.lhe", limit);
    ASSERT_TRUE(whole.Next(&line)) << whole.status();
    EXPECT_EQ(line.size(), limit);
    ASSERT_TRUE(whole.Next(&line));
    EXPECT_EQ(line, "ok");
  }
}

// The source's error ends the text (no partial line is returned) and is the
// reader's status; Finish reports an error in the unread rest of a source.
TEST(LineReaderTest, SourceErrorsEndTheTextAndFinishFindsThemInTheRest) {
  TrickleSource failing("a\nbc\nd\n", 2, 4);
  LineReader reader(&failing, "f.gz");
  std::string_view line;
  ASSERT_TRUE(reader.Next(&line));
  EXPECT_EQ(line, "a");
  EXPECT_FALSE(reader.Next(&line));
  EXPECT_EQ(reader.status().message(), "f.gz: corrupt gzip stream");

  TrickleSource corrupt_later("a\nb\n" + std::string(100, 'c'), 2, 50);
  LineReader early(&corrupt_later, "f.gz");
  ASSERT_TRUE(early.Next(&line));
  EXPECT_TRUE(early.status().ok());
  EXPECT_EQ(early.Finish().message(), "f.gz: corrupt gzip stream");
}

}  // namespace
}  // namespace evgen
