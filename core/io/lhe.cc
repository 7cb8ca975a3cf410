#include "core/io/lhe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/io/line_reader.h"
#include "core/io/text_fields.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

using text::Absl;
using text::Fields;
using text::ParseNumber;

bool ParseInteger(std::string_view field, int* value) {
  if (absl::SimpleAtoi(Absl(field), value)) return true;
  // Some writers print integers as "9." or "1.000E+00".
  double d = 0;
  if (!ParseNumber(field, &d) || d != std::floor(d) || std::abs(d) > 2e9) return false;
  *value = static_cast<int>(d);
  return true;
}

bool IsTag(std::string_view line, std::string_view name) {
  if (!absl::StartsWith(Absl(line), Absl(name))) return false;
  if (line.size() == name.size()) return true;
  char next = line[name.size()];
  return next == '>' || next == ' ' || next == '\t' || next == '/';
}

constexpr char kParticleFields[] =
    "IDUP ISTUP MOTHUP1 MOTHUP2 ICOLUP1 ICOLUP2 PUP1..PUP5 VTIMUP SPINUP";

bool LooksLikeParticleLine(std::string_view line) {
  std::vector<std::string_view> f = Fields(line);
  if (f.size() != 13) return false;
  double d = 0;
  for (std::string_view x : f) {
    if (!ParseNumber(x, &d)) return false;
  }
  return true;
}

// AddWriteOptions records the <init> facts WriteLhe needs to write them
// back (ParseEventWriteSpec keys): the weighting strategy, the beams and the
// total cross section.
void AddWriteOptions(const LheFileInfo& info, ReadReport* report) {
  using text::ShortestDouble;
  std::map<std::string, std::string>& o = report->write_options;
  o["idwtup"] = absl::StrCat(info.weighting_strategy);
  o["beam_pdg_ids"] = absl::StrCat(info.beam1_pdg_id, ",", info.beam2_pdg_id);
  if (info.beam1_energy_gev > 0 && info.beam2_energy_gev > 0) {
    o["beam_energies_gev"] = absl::StrCat(ShortestDouble(info.beam1_energy_gev), ",",
                                          ShortestDouble(info.beam2_energy_gev));
  }
  double xsec = 0;
  for (double x : info.cross_sections_pb) xsec += x;
  if (xsec > 0) o["cross_section_pb"] = ShortestDouble(xsec);
}

}  // namespace

// ---------------------------------------------------------------------------
// Reading.

namespace {

// LheParser reads one LHE text, line by line from a LineReader (a file
// streamed in blocks, or text in memory), into a ParticleTableBuilder. Only
// the current event's particles are held, so memory is the table's plus the
// reader's buffer, however long the file.
class LheParser {
 public:
  LheParser(LineReader* reader, const std::string& source, ParticleTableBuilder* builder,
            LheFileInfo* out)
      : reader_(*reader), source_(source), builder_(*builder), out_(*out) {}

  // Parse reads up to </LesHouchesEvents>, or until the builder has
  // max_events events.
  [[nodiscard]] absl::Status Parse();
  int64_t events() const { return events_; }

 private:
  std::string At(int64_t line_number) const {
    return absl::StrCat(source_, ":", line_number, ": ");
  }
  [[nodiscard]] absl::Status Open();
  [[nodiscard]] absl::Status SkipHeaderOrComment();
  [[nodiscard]] absl::Status ParseInit();
  [[nodiscard]] absl::Status ParseInitLine(int* nprup);
  [[nodiscard]] absl::Status ParseEvent();
  [[nodiscard]] absl::Status ParseEventLine(int* nup, double* xwgtup);
  [[nodiscard]] absl::Status ParseParticle(int index, int nup, const std::string& where);
  [[nodiscard]] absl::Status SkipEventTail(int nup, const std::string& where);

  LineReader& reader_;
  const std::string& source_;
  ParticleTableBuilder& builder_;
  LheFileInfo& out_;
  std::string_view line_;  // the line read last
  bool have_init_ = false;
  bool closed_ = false;
  int64_t events_ = 0;
  std::vector<EventParticle> particles_;  // the current event's
};

absl::Status LheParser::Parse() {
  EVGEN_RETURN_IF_ERROR(Open());
  while (!builder_.done() && reader_.Next(&line_)) {
    if (line_.empty()) continue;
    if (IsTag(line_, "<header") || absl::StartsWith(Absl(line_), "<!--")) {
      EVGEN_RETURN_IF_ERROR(SkipHeaderOrComment());
    } else if (IsTag(line_, "<init")) {
      EVGEN_RETURN_IF_ERROR(ParseInit());
    } else if (IsTag(line_, "<event")) {
      EVGEN_RETURN_IF_ERROR(ParseEvent());
    } else if (absl::StartsWith(Absl(line_), "</LesHouchesEvents>")) {
      closed_ = true;
      break;
    }
    // Other top-level content (e.g. stray text between blocks) is ignored.
  }
  if (!have_init_) {
    return absl::InvalidArgumentError(absl::StrCat(source_, ": no <init> block"));
  }
  if (events_ == 0) return absl::InvalidArgumentError(absl::StrCat(source_, ": no <event> blocks"));
  if (!closed_ && !builder_.done()) {
    return absl::InvalidArgumentError(absl::StrCat(
        At(reader_.line()), "truncated: no </LesHouchesEvents> after event ", events_));
  }
  return absl::OkStatus();
}

// Open reads the opening tag, after blank lines and an optional XML
// declaration.
absl::Status LheParser::Open() {
  while (reader_.Next(&line_)) {
    if (line_.empty() || absl::StartsWith(Absl(line_), "<?xml")) continue;
    if (!IsTag(line_, "<LesHouchesEvents")) {
      std::string shown(line_.substr(0, 60));
      return absl::InvalidArgumentError(
          absl::StrCat(At(reader_.line()), "not a Les Houches Event file: expected ",
                       "<LesHouchesEvents version=...>, found '", shown, "'"));
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(source_, ": empty file"));
}

absl::Status LheParser::SkipHeaderOrComment() {
  const bool comment = !IsTag(line_, "<header");
  const char* end_marker = comment ? "-->" : "</header>";
  const int64_t start = reader_.line();
  bool found = comment ? line_.find("-->", 4) != std::string_view::npos
                       : absl::StrContains(Absl(line_), end_marker);
  while (!found && reader_.Next(&line_)) found = absl::StrContains(Absl(line_), end_marker);
  if (!found) {
    return absl::InvalidArgumentError(absl::StrCat(At(start), "truncated: ",
                                                   comment ? "comment" : "<header>",
                                                   " opened here has no ", end_marker));
  }
  return absl::OkStatus();
}

absl::Status LheParser::ParseInit() {
  const int64_t start = reader_.line();
  if (have_init_) {
    return absl::InvalidArgumentError(absl::StrCat(At(start), "second <init> block"));
  }
  have_init_ = true;
  if (!reader_.Next(&line_)) {
    return absl::InvalidArgumentError(absl::StrCat(At(start), "truncated <init> block"));
  }
  int nprup = 0;
  EVGEN_RETURN_IF_ERROR(ParseInitLine(&nprup));
  for (int p = 0; p < nprup; ++p) {
    if (!reader_.Next(&line_)) {
      return absl::InvalidArgumentError(absl::StrCat(
          At(start), "truncated <init> block: ", p, " process lines, NPRUP says ", nprup));
    }
    std::vector<std::string_view> f = Fields(line_);
    double xs[3] = {};
    int lprup = 0;
    bool ok = f.size() == 4 && ParseNumber(f[0], &xs[0]) && ParseNumber(f[1], &xs[1]) &&
              ParseNumber(f[2], &xs[2]) && ParseInteger(f[3], &lprup);
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          At(reader_.line()), "<init> process line ", p + 1, " of ", nprup,
          ": expected 4 numbers XSECUP XERRUP XMAXUP LPRUP, found '",
          std::string(line_.substr(0, 80)), "'"));
    }
    out_.cross_sections_pb.push_back(xs[0]);
  }
  bool end = false;
  while (!end && reader_.Next(&line_)) end = absl::StartsWith(Absl(line_), "</init>");
  if (!end) {
    return absl::InvalidArgumentError(absl::StrCat(At(start), "truncated: <init> has no </init>"));
  }
  return absl::OkStatus();
}

// ParseInitLine reads IDBMUP1 IDBMUP2 EBMUP1 EBMUP2 PDFGUP1 PDFGUP2 PDFSUP1
// PDFSUP2 IDWTUP NPRUP.
absl::Status LheParser::ParseInitLine(int* nprup) {
  std::vector<std::string_view> f = Fields(line_);
  if (f.size() != 10) {
    return absl::InvalidArgumentError(absl::StrCat(
        At(reader_.line()), "<init> line has ", f.size(),
        " fields, expected 10 (IDBMUP1 IDBMUP2 EBMUP1 EBMUP2 PDFGUP1 PDFGUP2 PDFSUP1 "
        "PDFSUP2 IDWTUP NPRUP)"));
  }
  int ints[10] = {};
  double e1 = 0, e2 = 0;
  for (int i = 0; i < 10; ++i) {
    bool ok = (i == 2 || i == 3) ? ParseNumber(f[i], i == 2 ? &e1 : &e2)
                                 : ParseInteger(f[i], &ints[i]);
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "<init> field ", i + 1,
                                                     ": '", std::string(f[i]),
                                                     "' is not a number"));
    }
  }
  out_.beam1_pdg_id = ints[0];
  out_.beam2_pdg_id = ints[1];
  out_.beam1_energy_gev = e1;
  out_.beam2_energy_gev = e2;
  out_.weighting_strategy = ints[8];
  *nprup = ints[9];
  if (*nprup < 1 || *nprup > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat(At(reader_.line()), "<init> NPRUP is ", *nprup, ", expected 1..10000"));
  }
  return absl::OkStatus();
}

absl::Status LheParser::ParseEvent() {
  const int64_t start = reader_.line();
  ++events_;
  const std::string where = absl::StrCat(source_, ":", start, ": event ", events_);
  if (!have_init_) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": <event> before the <init> block"));
  }
  bool got = reader_.Next(&line_);
  while (got && line_.empty()) got = reader_.Next(&line_);
  if (!got) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": truncated: the file ends inside the <event> block"));
  }
  int nup = 0;
  double xwgtup = 0;
  EVGEN_RETURN_IF_ERROR(ParseEventLine(&nup, &xwgtup));
  particles_.clear();
  for (int i = 0; i < nup; ++i) {
    EVGEN_RETURN_IF_ERROR(ParseParticle(i, nup, where));
  }
  EVGEN_RETURN_IF_ERROR(SkipEventTail(nup, where));
  return builder_.AddEvent(particles_, xwgtup, where);
}

// ParseEventLine reads NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP.
absl::Status LheParser::ParseEventLine(int* nup, double* xwgtup) {
  std::vector<std::string_view> f = Fields(line_);
  int idprup = 0;
  double head[4] = {};
  if (f.size() != 6) {
    return absl::InvalidArgumentError(absl::StrCat(
        At(reader_.line()), "event ", events_, ": event line has ", f.size(),
        " fields, expected 6 (NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP)"));
  }
  for (int i = 0; i < 6; ++i) {
    bool ok = i == 0   ? ParseInteger(f[0], nup)
              : i == 1 ? ParseInteger(f[1], &idprup)
                       : ParseNumber(f[i], &head[i - 2]);
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                     ": event line field ", i + 1, ": '",
                                                     std::string(f[i]), "' is not a number"));
    }
  }
  if (*nup < 1 || *nup > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                   ": NUP is ", *nup, ", expected 1..100000"));
  }
  *xwgtup = head[0];
  return absl::OkStatus();
}

// ParseParticle reads particle line `index` of NUP into particles_.
absl::Status LheParser::ParseParticle(int index, int nup, const std::string& where) {
  if (!reader_.Next(&line_)) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": truncated: the file ends after ", index, " of NUP=", nup, " particle lines"));
  }
  if (line_.empty() || line_[0] == '<' || line_[0] == '#') {
    return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                   ": <event> block has ", index,
                                                   " particle lines, NUP says ", nup));
  }
  std::vector<std::string_view> f = Fields(line_);
  if (f.size() != 13) {
    return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                   ": particle line has ", f.size(),
                                                   " fields, expected 13 (", kParticleFields, ")"));
  }
  EventParticle p;
  int other = 0;
  double d[7] = {};
  for (int k = 0; k < 13; ++k) {
    bool ok = k == 0   ? ParseInteger(f[0], &p.pdg_id)
              : k == 1 ? ParseInteger(f[1], &p.status)
              : k < 6  ? ParseInteger(f[k], &other)
                       : ParseNumber(f[k], &d[k - 6]);
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                     ": particle ", index + 1, " field ", k + 1,
                                                     ": '", std::string(f[k]), "' is not a number"));
    }
  }
  p.px = d[0];
  p.py = d[1];
  p.pz = d[2];
  p.e = d[3];
  p.m = d[4];
  particles_.push_back(p);
  return absl::OkStatus();
}

// SkipEventTail skips what follows the particles up to </event>: tags and
// comments; another numeric line means NUP undercounts.
absl::Status LheParser::SkipEventTail(int nup, const std::string& where) {
  bool first = true;
  while (reader_.Next(&line_)) {
    if (line_.empty()) continue;
    if (absl::StartsWith(Absl(line_), "</event>")) return absl::OkStatus();
    if (IsTag(line_, "<event") || IsTag(line_, "</LesHouchesEvents")) break;
    if (first && line_[0] != '<' && line_[0] != '#') {
      int extra = 0;
      while (LooksLikeParticleLine(line_)) {
        ++extra;
        if (!reader_.Next(&line_)) break;
      }
      if (extra > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": <event> block has ", nup + extra, " particle lines, NUP says ", nup));
      }
      return absl::InvalidArgumentError(absl::StrCat(At(reader_.line()), "event ", events_,
                                                     ": unexpected line after the ", nup,
                                                     " particle lines: '",
                                                     std::string(line_.substr(0, 60)), "'"));
    }
    first = false;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": truncated: the <event> block has no </event>"));
}

// ParseLheLines parses the text `reader` reads. An error of the source
// (a corrupt or truncated gzip stream), read to its end when the parser
// stopped early, comes first, as it did when files were inflated whole
// before parsing.
absl::StatusOr<Table> ParseLheLines(LineReader* reader, const std::string& source,
                                    const ParticleSelection& selection, LheFileInfo* info) {
  LheFileInfo local;
  LheFileInfo& out = info != nullptr ? *info : local;
  const bool gz = out.gzipped;
  out = LheFileInfo();
  out.gzipped = gz;
  absl::StatusOr<ParticleTableBuilder> builder = ParticleTableBuilder::Create(selection);
  if (!builder.ok()) {
    EVGEN_RETURN_IF_ERROR(reader->Finish());
    return builder.status();
  }
  LheParser parser(reader, source, &*builder, &out);
  const absl::Status parsed = parser.Parse();
  EVGEN_RETURN_IF_ERROR(reader->Finish());
  EVGEN_RETURN_IF_ERROR(parsed);
  out.events_in_file = parser.events();
  out.events_skipped = builder->skipped();
  out.report = ReadReport();
  AddWriteOptions(out, &out.report);
  return builder->Finish(source, &out.report);
}

}  // namespace

absl::StatusOr<Table> ParseLhe(const std::string& text, const std::string& source,
                               const ParticleSelection& selection, LheFileInfo* info) {
  LineReader reader(text);
  return ParseLheLines(&reader, source, selection, info);
}

absl::StatusOr<Table> ReadLhe(const std::string& path, const ParticleSelection& selection,
                              LheFileInfo* info) {
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<PossiblyGzippedFile> file, PossiblyGzippedFile::Open(path));
  LheFileInfo local;
  LheFileInfo& out = info != nullptr ? *info : local;
  out.gzipped = file->gzipped();
  LineReader reader(file.get(), path);
  return ParseLheLines(&reader, path, selection, &out);
}

absl::StatusOr<Table> ReadLheWithOptions(const std::string& path,
                              const std::map<std::string, std::string>& options,
                              ReadReport* report) {
  EVGEN_ASSIGN_OR_RETURN(ParticleSelection selection, ParseParticleSelection(options));
  LheFileInfo info;
  absl::StatusOr<Table> table = ReadLhe(path, selection, &info);
  if (table.ok() && report != nullptr) *report = std::move(info.report);
  return table;
}

}  // namespace evgen
