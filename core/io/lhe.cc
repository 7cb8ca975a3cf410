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

absl::StatusOr<Table> ParseLhe(const std::string& text, const std::string& source,
                               const ParticleSelection& selection, LheFileInfo* info) {
  EVGEN_ASSIGN_OR_RETURN(ParticleTableBuilder builder, ParticleTableBuilder::Create(selection));
  LheFileInfo local;
  LheFileInfo& out = info != nullptr ? *info : local;
  const bool gz = out.gzipped;
  out = LheFileInfo();
  out.gzipped = gz;

  LineReader reader(text);
  std::string_view line;
  auto at = [&](int64_t line_number) { return absl::StrCat(source, ":", line_number, ": "); };

  // The opening tag, after blank lines and an optional XML declaration.
  bool opened = false;
  while (reader.Next(&line)) {
    if (line.empty() || absl::StartsWith(Absl(line), "<?xml")) continue;
    if (!IsTag(line, "<LesHouchesEvents")) {
      std::string shown(line.substr(0, 60));
      return absl::InvalidArgumentError(
          absl::StrCat(at(reader.line()), "not a Les Houches Event file: expected ",
                       "<LesHouchesEvents version=...>, found '", shown, "'"));
    }
    opened = true;
    break;
  }
  if (!opened) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file"));

  bool have_init = false;
  bool closed = false;
  int64_t events = 0;
  std::vector<EventParticle> particles;
  while (!builder.done() && reader.Next(&line)) {
    if (line.empty()) continue;
    if (IsTag(line, "<header") || absl::StartsWith(Absl(line), "<!--")) {
      const bool comment = !IsTag(line, "<header");
      const char* end_marker = comment ? "-->" : "</header>";
      const int64_t start = reader.line();
      bool found = comment ? line.find("-->", 4) != std::string_view::npos
                           : absl::StrContains(Absl(line), end_marker);
      while (!found && reader.Next(&line)) found = absl::StrContains(Absl(line), end_marker);
      if (!found) {
        return absl::InvalidArgumentError(
            absl::StrCat(at(start), "truncated: ", comment ? "comment" : "<header>",
                         " opened here has no ", end_marker));
      }
      continue;
    }
    if (IsTag(line, "<init")) {
      const int64_t start = reader.line();
      if (have_init) {
        return absl::InvalidArgumentError(absl::StrCat(at(start), "second <init> block"));
      }
      have_init = true;
      if (!reader.Next(&line)) {
        return absl::InvalidArgumentError(absl::StrCat(at(start), "truncated <init> block"));
      }
      std::vector<std::string_view> f = Fields(line);
      if (f.size() != 10) {
        return absl::InvalidArgumentError(absl::StrCat(
            at(reader.line()), "<init> line has ", f.size(),
            " fields, expected 10 (IDBMUP1 IDBMUP2 EBMUP1 EBMUP2 PDFGUP1 PDFGUP2 PDFSUP1 "
            "PDFSUP2 IDWTUP NPRUP)"));
      }
      int ints[10] = {};
      double e1 = 0, e2 = 0;
      for (int i = 0; i < 10; ++i) {
        bool ok = (i == 2 || i == 3) ? ParseNumber(f[i], i == 2 ? &e1 : &e2)
                                     : ParseInteger(f[i], &ints[i]);
        if (!ok) {
          return absl::InvalidArgumentError(absl::StrCat(at(reader.line()), "<init> field ",
                                                         i + 1, ": '", std::string(f[i]),
                                                         "' is not a number"));
        }
      }
      out.beam1_pdg_id = ints[0];
      out.beam2_pdg_id = ints[1];
      out.beam1_energy_gev = e1;
      out.beam2_energy_gev = e2;
      out.weighting_strategy = ints[8];
      const int nprup = ints[9];
      if (nprup < 1 || nprup > 10000) {
        return absl::InvalidArgumentError(
            absl::StrCat(at(reader.line()), "<init> NPRUP is ", nprup, ", expected 1..10000"));
      }
      for (int p = 0; p < nprup; ++p) {
        if (!reader.Next(&line)) {
          return absl::InvalidArgumentError(absl::StrCat(
              at(start), "truncated <init> block: ", p, " process lines, NPRUP says ", nprup));
        }
        f = Fields(line);
        double xs[3] = {};
        int lprup = 0;
        bool ok = f.size() == 4 && ParseNumber(f[0], &xs[0]) && ParseNumber(f[1], &xs[1]) &&
                  ParseNumber(f[2], &xs[2]) && ParseInteger(f[3], &lprup);
        if (!ok) {
          return absl::InvalidArgumentError(absl::StrCat(
              at(reader.line()), "<init> process line ", p + 1, " of ", nprup,
              ": expected 4 numbers XSECUP XERRUP XMAXUP LPRUP, found '",
              std::string(line.substr(0, 80)), "'"));
        }
        out.cross_sections_pb.push_back(xs[0]);
      }
      bool end = false;
      while (!end && reader.Next(&line)) end = absl::StartsWith(Absl(line), "</init>");
      if (!end) {
        return absl::InvalidArgumentError(absl::StrCat(at(start), "truncated: <init> has no </init>"));
      }
      continue;
    }
    if (IsTag(line, "<event")) {
      const int64_t start = reader.line();
      ++events;
      const std::string where = absl::StrCat(source, ":", start, ": event ", events);
      if (!have_init) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": <event> before the <init> block"));
      }
      bool got = reader.Next(&line);
      while (got && line.empty()) got = reader.Next(&line);
      if (!got) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": truncated: the file ends inside the <event> block"));
      }
      std::vector<std::string_view> f = Fields(line);
      int nup = 0, idprup = 0;
      double head[4] = {};
      if (f.size() != 6) {
        return absl::InvalidArgumentError(absl::StrCat(
            at(reader.line()), "event ", events, ": event line has ", f.size(),
            " fields, expected 6 (NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP)"));
      }
      for (int i = 0; i < 6; ++i) {
        bool ok = i == 0 ? ParseInteger(f[0], &nup)
                         : i == 1 ? ParseInteger(f[1], &idprup) : ParseNumber(f[i], &head[i - 2]);
        if (!ok) {
          return absl::InvalidArgumentError(absl::StrCat(at(reader.line()), "event ", events,
                                                         ": event line field ", i + 1, ": '",
                                                         std::string(f[i]), "' is not a number"));
        }
      }
      if (nup < 1 || nup > 100000) {
        return absl::InvalidArgumentError(absl::StrCat(at(reader.line()), "event ", events,
                                                       ": NUP is ", nup, ", expected 1..100000"));
      }
      particles.clear();
      for (int i = 0; i < nup; ++i) {
        if (!reader.Next(&line)) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": truncated: the file ends after ", i, " of NUP=", nup, " particle lines"));
        }
        if (line.empty() || line[0] == '<' || line[0] == '#') {
          return absl::InvalidArgumentError(absl::StrCat(at(reader.line()), "event ", events,
                                                         ": <event> block has ", i,
                                                         " particle lines, NUP says ", nup));
        }
        f = Fields(line);
        if (f.size() != 13) {
          return absl::InvalidArgumentError(absl::StrCat(
              at(reader.line()), "event ", events, ": particle line has ", f.size(),
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
            return absl::InvalidArgumentError(absl::StrCat(
                at(reader.line()), "event ", events, ": particle ", i + 1, " field ", k + 1,
                ": '", std::string(f[k]), "' is not a number"));
          }
        }
        p.px = d[0];
        p.py = d[1];
        p.pz = d[2];
        p.e = d[3];
        p.m = d[4];
        particles.push_back(p);
      }
      // What follows the particles must be a tag, a comment or </event>;
      // another numeric line means NUP undercounts.
      bool first = true;
      bool end = false;
      while (reader.Next(&line)) {
        if (line.empty()) continue;
        if (absl::StartsWith(Absl(line), "</event>")) {
          end = true;
          break;
        }
        if (IsTag(line, "<event") || IsTag(line, "</LesHouchesEvents")) break;
        if (first && line[0] != '<' && line[0] != '#') {
          int extra = 0;
          while (LooksLikeParticleLine(line)) {
            ++extra;
            if (!reader.Next(&line)) break;
          }
          if (extra > 0) {
            return absl::InvalidArgumentError(absl::StrCat(where, ": <event> block has ",
                                                           nup + extra, " particle lines, NUP says ",
                                                           nup));
          }
          return absl::InvalidArgumentError(absl::StrCat(
              at(reader.line()), "event ", events, ": unexpected line after the ", nup,
              " particle lines: '", std::string(line.substr(0, 60)), "'"));
        }
        first = false;
      }
      if (!end) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": truncated: the <event> block has no </event>"));
      }
      EVGEN_RETURN_IF_ERROR(builder.AddEvent(particles, head[0], where));
      continue;
    }
    if (absl::StartsWith(Absl(line), "</LesHouchesEvents>")) {
      closed = true;
      break;
    }
    // Other top-level content (e.g. stray text between blocks) is ignored.
  }
  if (!have_init) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no <init> block"));
  }
  if (events == 0) return absl::InvalidArgumentError(absl::StrCat(source, ": no <event> blocks"));
  if (!closed && !builder.done()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", reader.line(), ": truncated: no </LesHouchesEvents> after event ",
                     events));
  }
  out.events_in_file = events;
  out.events_skipped = builder.skipped();
  out.report = ReadReport();
  AddWriteOptions(out, &out.report);
  return builder.Finish(source, &out.report);
}

absl::StatusOr<Table> ReadLhe(const std::string& path, const ParticleSelection& selection,
                              LheFileInfo* info) {
  bool gzipped = false;
  EVGEN_ASSIGN_OR_RETURN(std::string text, ReadPossiblyGzippedFile(path, &gzipped));
  LheFileInfo local;
  LheFileInfo& out = info != nullptr ? *info : local;
  out.gzipped = gzipped;
  return ParseLhe(text, path, selection, &out);
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
