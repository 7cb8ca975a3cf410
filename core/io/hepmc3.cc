#include "core/io/hepmc3.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <istream>
#include <streambuf>
#include <string_view>
#include <vector>

#include "HepMC3/GenEvent.h"
#include "HepMC3/GenParticle.h"
#include "HepMC3/GenVertex.h"
#include "HepMC3/ReaderAscii.h"
#include "HepMC3/ReaderAsciiHepMC2.h"
#include "HepMC3/Units.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/io/checked_size.h"
#include "core/io/line_reader.h"
#include "core/io/particle_table.h"
#include "core/io/possibly_gzipped_file.h"
#include "core/io/text_fields.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr char kV3Start[] = "HepMC::Asciiv3-START_EVENT_LISTING";
constexpr char kV3End[] = "HepMC::Asciiv3-END_EVENT_LISTING";
constexpr char kV2Start[] = "HepMC::IO_GenEvent-START_EVENT_LISTING";
constexpr char kV2End[] = "HepMC::IO_GenEvent-END_EVENT_LISTING";

using text::Absl;
using text::Fields;

bool IsNumber(std::string_view field) {
  double d = 0;
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  return absl::SimpleAtod(Absl(field), &d) && std::isfinite(d);
}

bool IsInteger(std::string_view field, long long* value) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Absl(field), &v)) return false;
  *value = v;
  return true;
}

// libHepMC3 (3.1) trusts its input: it walks records with strchr(' ') and
// atoi, indexes its particles with the ids of a V line, and unescapes text
// past the end of a line that ends in a backslash. The helpers below refuse
// what it would misread, so that it only ever parses what was checked here.

// SingleSpaced: a record whose fields are separated by anything but single
// spaces would be split into other fields by libHepMC3 than by Fields().
bool SingleSpaced(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(line[i]))) continue;
    if (line[i] != ' ' || (i > 0 && line[i - 1] == ' ')) return false;
  }
  return true;
}

bool EndsInLoneBackslash(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

// CheckVertexListV3 checks a v3 V line, "V id status [p1,p2,...]" with an
// optional "@ x y z t": the vertex id in -vertices..-1 and each listed
// particle id in 1..particles (the counts of the event's E line).
absl::Status CheckVertexListV3(const std::vector<std::string_view>& f, long long vertices,
                               long long particles, const std::string& at) {
  if (f.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, "V line: expected 'V id status [particle,...]' and optionally '@ x y z t'"));
  }
  long long id = 0;
  if (!IsInteger(f[1], &id) || id >= 0 || id < -vertices) {
    return absl::InvalidArgumentError(absl::StrCat(at, "V line: vertex id '", std::string(f[1]),
                                                   "' is not in -", vertices, "..-1"));
  }
  std::string_view list = f[3];
  const bool bracketed = list.size() >= 2 && list.front() == '[' && list.back() == ']';
  const bool positioned = f.size() == 9 && f[4] == "@";
  if (!bracketed || (f.size() != 4 && !positioned)) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, "V line: expected 'V id status [particle,...]' and optionally '@ x y z t'"));
  }
  for (absl::string_view part : absl::StrSplit(Absl(list.substr(1, list.size() - 2)), ',')) {
    long long p = 0;
    if (!IsInteger(std::string_view(part.data(), part.size()), &p) || p < 1 || p > particles) {
      return absl::InvalidArgumentError(absl::StrCat(at, "V line: particle id '",
                                                     std::string(part), "' is not in 1..",
                                                     particles));
    }
  }
  return absl::OkStatus();
}

// CheckWeightNamesV2 checks an IO_GenEvent "N count "name" ..." line, whose
// count libHepMC3 allocates before it looks for the names.
absl::Status CheckWeightNamesV2(std::string_view line, const std::vector<std::string_view>& f,
                                const std::string& at) {
  long long count = 0;
  const long long quotes = static_cast<long long>(std::count(line.begin(), line.end(), '"'));
  if (f.size() < 2 || !IsInteger(f[1], &count) || count < 1 || count > quotes / 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, "N line: expected a count >= 1 and that many quoted weight names"));
  }
  return absl::OkStatus();
}

// AttributeNameV3 is the name libHepMC3 copies out of an A line into a
// 64-byte buffer: the text after the first space of a run attribute
// ("A name value"), after the second of an event's ("A id name value"), up to
// the next space. It runs to the end of the (trimmed) line when no space
// follows, as the untrimmed line libHepMC3 sees may have one there.
std::string_view AttributeNameV3(std::string_view line, bool in_event) {
  size_t begin = line.find(' ');
  if (in_event && begin != std::string_view::npos) begin = line.find(' ', begin + 1);
  if (begin == std::string_view::npos) return {};
  const size_t end = line.find(' ', begin + 1);
  return line.substr(begin + 1, end == std::string_view::npos ? end : end - begin - 1);
}

constexpr size_t kMaxAttributeName = 63;

// CheckForLibHepMC3 refuses a record libHepMC3 would misread (see above);
// in_event says whether an E line came before it.
absl::Status CheckForLibHepMC3(std::string_view line, const std::vector<std::string_view>& f,
                               bool v3, bool in_event, long long vertices, long long particles,
                               const std::string& at) {
  const char kind = line[0];
  if ((kind == 'E' || kind == 'V' || kind == 'P' || kind == 'U') && !SingleSpaced(line)) {
    return absl::InvalidArgumentError(absl::StrCat(
        at, std::string(1, kind), " line: fields must be separated by single spaces"));
  }
  // libHepMC3 unescapes T, A and the header's W (weight names) lines alike
  // (a W line ending in '\\' was a long-run fuzz finding); N lines too.
  if (v3 && (kind == 'T' || kind == 'A' || kind == 'W' || kind == 'N') && EndsInLoneBackslash(line)) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, std::string(1, kind), " line ends inside an escape (a lone '\\')"));
  }
  if (v3 && kind == 'A' && AttributeNameV3(line, in_event).size() > kMaxAttributeName) {
    return absl::InvalidArgumentError(absl::StrCat(at, "A line: attribute name longer than ",
                                                   kMaxAttributeName, " characters"));
  }
  if (v3 && kind == 'V') return CheckVertexListV3(f, vertices, particles, at);
  if (!v3 && kind == 'N') return CheckWeightNamesV2(line, f, at);
  return absl::OkStatus();
}

// AtoiLike reads a field as libHepMC3's atoi does (digits up to the first
// other character, 0 for none), so that the checks below see its numbers.
int AtoiLike(std::string_view field) {
  return static_cast<int>(std::strtol(std::string(field).c_str(), nullptr, 10));
}

// VertexGraphV2 links an IO_GenEvent event's vertices as libHepMC3 3.1 does,
// to refuse a vertex it would drop and then dereference (SEGV): one with no
// incoming particle, or one with incoming but no outgoing particles. A vertex
// no particle ends at, whose status-4 beams are listed as its outgoing
// particles, is refused too: libHepMC3 3.1.2 moves those beams in but keeps
// them as outgoing, finds a cycle and builds an empty event, and then adds
// the vertex's weights to a vertex outside any event (SEGV, 20-minute fuzz
// run). Writers list beams with the vertex as their end vertex instead.
class VertexGraphV2 {
 public:
  void Clear() {
    vertices_.clear();
    outgoing_.clear();
  }
  void AddVertex(int barcode, int64_t line) { vertices_.push_back(Vertex{barcode, line}); }
  // AddParticle adds a P line of the last vertex: incoming when it ends
  // there, otherwise outgoing, and incoming to the first vertex it ends at.
  void AddParticle(int end_vertex, int status) {
    Vertex& v = vertices_.back();
    if (end_vertex == v.barcode) {
      v.has_in = true;
      return;
    }
    v.has_out = true;
    outgoing_.push_back(Outgoing{vertices_.size() - 1, end_vertex, status});
  }
  absl::Status Check(const std::string& source, size_t event) {
    for (const Outgoing& p : outgoing_) {
      auto end = std::find_if(vertices_.begin(), vertices_.end(),
                              [&](const Vertex& v) { return v.barcode == p.end_vertex; });
      if (p.end_vertex != 0 && end != vertices_.end()) {
        end->has_in = true;
      } else if (p.status == 4) {
        vertices_[p.from].has_beam = true;
      }
    }
    for (const Vertex& v : vertices_) {
      const char* missing = nullptr;
      if (!v.has_in && !v.has_beam) {
        missing = "incoming particles (none ends there, no status-4 beam leaves it)";
      } else if (!v.has_in) {
        missing =
            "incoming particles: its status-4 beams are listed as outgoing, which libHepMC3 "
            "3.1 reads as an empty event (give the beams this vertex as their end vertex)";
      } else if (!v.has_out) {
        missing = "outgoing particles";
      }
      if (missing != nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            source, ":", v.line, ": event ", event, ": vertex ", v.barcode, " has no ", missing));
      }
    }
    return absl::OkStatus();
  }

 private:
  struct Vertex {
    int barcode = 0;
    int64_t line = 0;
    bool has_in = false, has_out = false, has_beam = false;
  };
  struct Outgoing {
    size_t from = 0;
    int end_vertex = 0;
    int status = 0;
  };
  std::vector<Vertex> vertices_;
  std::vector<Outgoing> outgoing_;
};

// EventShape is what the pre-scan learned about one event.
struct EventShape {
  int64_t line = 0;       // line of its E record
  int64_t particles = 0;  // P lines
};

// Listing is what the pre-scan checked: the events' shapes (16 bytes an
// event, all the reader keeps of the text) and the bytes up to the end of
// the footer line. libHepMC3 reads on past the footer, so it is handed those
// bytes alone.
struct Listing {
  std::vector<EventShape> events;
  uint64_t bytes = 0;
};

// ScanListing checks the listing's structure line by line (see the header),
// reading the whole text from `lines`.
absl::StatusOr<Listing> ScanListing(LineReader* lines, const std::string& source,
                                    HepMCFormat* format) {
  const bool v3 = *format == HepMCFormat::kAsciiV3;
  const char* footer = v3 ? kV3End : kV2End;
  Listing listing;
  std::vector<EventShape>& events = listing.events;
  LineReader& reader = *lines;
  std::string_view line;
  bool started = false;
  bool ended = false;
  // Per event: declared and seen counts.
  long long declared_vertices = 0, declared_particles = -1;
  long long seen_vertices = 0;
  // HepMC3 writes a vertex with one incoming particle and no attributes (a
  // decay) without a V line: its outgoing particles name the parent
  // particle's id instead of a vertex id. The E line counts those vertices.
  std::vector<bool> implicit_parent;  // by particle id - 1
  long long implicit_vertices = 0;
  long long vertex_expected = 0, vertex_seen = 0;  // IO_GenEvent: P lines after a V line
  VertexGraphV2 graph;                              // IO_GenEvent
  int64_t vertex_line = 0;

  auto at = [&](int64_t l) { return absl::StrCat(source, ":", l, ": "); };
  auto close_event = [&]() -> absl::Status {
    if (events.empty()) return absl::OkStatus();
    EventShape& e = events.back();
    const std::string where = absl::StrCat(at(e.line), "event ", events.size(), ": ");
    if (!v3 && vertex_seen < vertex_expected) {
      return absl::InvalidArgumentError(absl::StrCat(
          at(vertex_line), "event ", events.size(), ": vertex has ", vertex_seen,
          " particle lines, its V line says ", vertex_expected,
          " (orphan incoming + outgoing)"));
    }
    if (seen_vertices + implicit_vertices != declared_vertices) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, seen_vertices, " vertex lines",
          implicit_vertices > 0 ? absl::StrCat(" and ", implicit_vertices, " decay vertices without one")
                                : std::string(),
          ", the E line says ", declared_vertices));
    }
    if (v3 && e.particles != declared_particles) {
      return absl::InvalidArgumentError(absl::StrCat(where, e.particles,
                                                     " particle lines, the E line says ",
                                                     declared_particles));
    }
    if (e.particles == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, "no particles"));
    }
    return v3 ? absl::OkStatus() : graph.Check(source, events.size());
  };

  while (!ended && reader.Next(&line)) {
    if (line.empty()) continue;
    const int64_t line_number = reader.line();
    // libHepMC3 reads a record's letter from the line's first byte and
    // skips lines it does not know, so "\fV ..." would be checked here as a
    // vertex that libHepMC3 never builds (then a particle's end vertex points
    // nowhere: SEGV, fuzz finding).
    if (line.data() != reader.raw().data()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at(line_number), "a record starts with whitespace; HepMC records start with their letter"));
    }
    // libHepMC3 reads lines as C strings, which a NUL byte would cut short.
    if (line.find('\0') != std::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(at(line_number), "NUL byte: a HepMC listing is text"));
    }
    if (absl::StartsWith(Absl(line), "HepMC::")) {
      if (line == footer) {
        EVGEN_RETURN_IF_ERROR(close_event());
        ended = true;
        listing.bytes = reader.offset();
      } else if (line == kV3Start || line == kV2Start) {
        started = true;
      } else if (!absl::StartsWith(Absl(line), "HepMC::Version")) {
        return absl::InvalidArgumentError(
            absl::StrCat(at(line_number), "unexpected '", std::string(line.substr(0, 60)), "'"));
      }
      continue;
    }
    if (!started) {
      return absl::InvalidArgumentError(
          absl::StrCat(at(line_number), "record before the START_EVENT_LISTING line"));
    }
    std::vector<std::string_view> f = Fields(line);
    const char kind = line[0];
    auto numeric_from = [&](size_t first, size_t last) -> absl::Status {
      for (size_t i = first; i < last && i < f.size(); ++i) {
        if (!IsNumber(f[i])) {
          return absl::InvalidArgumentError(absl::StrCat(at(line_number), std::string(1, kind), " line field ", i,
                                                         ": '", std::string(f[i]),
                                                         "' is not a number"));
        }
      }
      return absl::OkStatus();
    };
    auto wrong_count = [&](const std::string& expected) {
      return absl::InvalidArgumentError(absl::StrCat(at(line_number), std::string(1, kind), " line has ",
                                                     f.size() - 1, " fields, expected ",
                                                     expected));
    };
    if (f[0].size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(at(line_number), "unrecognised record '",
                                                     std::string(line.substr(0, 60)), "'"));
    }
    if (kind == 'P' || kind == 'V') {
      if (events.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(at(line_number), std::string(1, kind), " line before the first E line"));
      }
    }
    EVGEN_RETURN_IF_ERROR(CheckForLibHepMC3(line, f, v3, !events.empty(), declared_vertices,
                                            declared_particles, at(line_number)));
    if (kind == 'E') {
      EVGEN_RETURN_IF_ERROR(close_event());
      long long a = 0, b = 0;
      if (v3) {
        if (f.size() < 4) return wrong_count("at least 3 (number, vertices, particles)");
        EVGEN_RETURN_IF_ERROR(numeric_from(1, 4));
        if (!IsInteger(f[2], &a) || !IsInteger(f[3], &b) || a < 0 || b < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(at(line_number), "E line: vertex and particle counts must be "
                                            "non-negative integers"));
        }
        declared_vertices = a;
        declared_particles = b;
      } else {
        if (f.size() < 13) return wrong_count("at least 12");
        EVGEN_RETURN_IF_ERROR(numeric_from(1, f.size()));
        const std::string expected =
            "12 + random states + weights (number mpi scale alphaQCD alphaQED process "
            "signal_vertex vertices beam1 beam2 n_random [random...] n_weights [weights...])";
        // The counts index the line, and a count near 2^63 would wrap the sum.
        long long randoms = 0, weights = 0;
        if (!IsInteger(f[8], &a) || a < 0 || !IsInteger(f[11], &randoms)) {
          return wrong_count(expected);
        }
        EVGEN_ASSIGN_OR_RETURN(
            const int64_t weights_field,
            CheckedAdd(12, randoms, absl::StrCat(at(line_number), "E line: n_random field")));
        if (static_cast<size_t>(weights_field) >= f.size() ||
            !IsInteger(f[weights_field], &weights)) {
          return wrong_count(expected);
        }
        EVGEN_ASSIGN_OR_RETURN(
            const int64_t fields,
            CheckedAdd(weights_field + 1, weights,
                       absl::StrCat(at(line_number), "E line: fields after n_weights")));
        if (static_cast<size_t>(fields) != f.size()) return wrong_count(expected);
        declared_vertices = a;
      }
      events.push_back(EventShape{line_number, 0});
      graph.Clear();
      seen_vertices = 0;
      implicit_parent.clear();
      implicit_vertices = 0;
      vertex_expected = 0;
      vertex_seen = 0;
      continue;
    }
    if (kind == 'P') {
      if (v3) {
        if (f.size() != 10) return wrong_count("9 (id parent pdg_id px py pz e m status)");
        EVGEN_RETURN_IF_ERROR(numeric_from(1, 10));
        long long parent = 0;
        if (IsInteger(f[2], &parent) && parent > 0) {
          // A decay vertex without a V line: the parent must be listed already.
          const int64_t listed = events.back().particles;
          if (parent > listed) {
            return absl::InvalidArgumentError(absl::StrCat(
                at(line_number), "P line: parent particle ", parent, " is not among the ",
                listed, " particles listed before it"));
          }
          implicit_parent.resize(static_cast<size_t>(listed), false);
          if (!implicit_parent[static_cast<size_t>(parent - 1)]) {
            implicit_parent[static_cast<size_t>(parent - 1)] = true;
            ++implicit_vertices;
          }
        }
      } else {
        const std::string expected =
            "12 + 2 x flows (barcode pdg_id px py pz e m status theta phi end_vertex n_flow "
            "[flow pairs])";
        long long flows = 0;
        if (f.size() < 13 || !IsInteger(f[12], &flows)) return wrong_count(expected);
        const std::string what = absl::StrCat(at(line_number), "P line: n_flow pairs");
        EVGEN_ASSIGN_OR_RETURN(const int64_t flow_fields, CheckedMul(2, flows, what));
        EVGEN_ASSIGN_OR_RETURN(const int64_t fields, CheckedAdd(13, flow_fields, what));
        if (static_cast<size_t>(fields) != f.size()) return wrong_count(expected);
        EVGEN_RETURN_IF_ERROR(numeric_from(1, f.size()));
        if (seen_vertices == 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(at(line_number), "P line before the event's first V line"));
        }
        ++vertex_seen;
        graph.AddParticle(AtoiLike(f[11]), AtoiLike(f[8]));
      }
      ++events.back().particles;
      continue;
    }
    if (kind == 'V') {
      if (v3) {
        if (f.size() < 4 || f[3].empty() || f[3][0] != '[') {
          return wrong_count("at least 3 (id status [particles] ...)");
        }
        EVGEN_RETURN_IF_ERROR(numeric_from(1, 3));
      } else {
        const std::string expected =
            "9 + weights (barcode id x y z t n_orphan_in n_out n_weights ...)";
        long long weights = 0, orphans = 0, outgoing = 0;
        if (f.size() < 10 || !IsInteger(f[9], &weights)) return wrong_count(expected);
        EVGEN_ASSIGN_OR_RETURN(
            const int64_t fields,
            CheckedAdd(10, weights, absl::StrCat(at(line_number), "V line: n_weights")));
        if (static_cast<size_t>(fields) != f.size()) return wrong_count(expected);
        EVGEN_RETURN_IF_ERROR(numeric_from(1, f.size()));
        if (vertex_seen < vertex_expected) {
          return absl::InvalidArgumentError(absl::StrCat(
              at(vertex_line), "event ", events.size(), ": vertex has ", vertex_seen,
              " particle lines, its V line says ", vertex_expected,
          " (orphan incoming + outgoing)"));
        }
        if (!IsInteger(f[7], &orphans) || !IsInteger(f[8], &outgoing)) {
          return absl::InvalidArgumentError(absl::StrCat(
              at(line_number), "V line: n_orphan_in and n_out must be integers"));
        }
        EVGEN_ASSIGN_OR_RETURN(
            vertex_expected,
            CheckedAdd(orphans, outgoing,
                       absl::StrCat(at(line_number), "V line: n_orphan_in + n_out")));
        vertex_seen = 0;
        vertex_line = line_number;
        graph.AddVertex(AtoiLike(f[1]), line_number);
      }
      ++seen_vertices;
      continue;
    }
    // Records with text payloads are left to libHepMC3.
    const std::string known = v3 ? "UWAT" : "NUCFH";
    if (known.find(kind) == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(at(line_number), "unrecognised record '",
                                                     std::string(line.substr(0, 60)), "'"));
    }
  }
  if (!ended) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", reader.line(), ": truncated: no '", footer, "' line (the file ends after ",
        events.size(), events.size() == 1 ? " event)" : " events)"));
  }
  if (events.empty()) return absl::InvalidArgumentError(absl::StrCat(source, ": no events"));
  // libHepMC3 would read on past the footer, into lines no one checked; only
  // repeats of the footer (libHepMC3 3.1 writes it twice) may follow it.
  while (reader.Next(&line)) {
    if (!line.empty() && line != footer) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", reader.line(),
                                                     ": content after the '", footer, "' line"));
    }
  }
  return listing;
}

// SourceBuf lets libHepMC3 read the first `limit` bytes of a ByteSource
// through a std::istream, a block at a time, so that the text is never held
// whole. It only reads forward, as libHepMC3 does (getline and peek).
class SourceBuf : public std::streambuf {
 public:
  SourceBuf(ByteSource* source, uint64_t limit)
      : source_(source), left_(limit), block_(new char[LineReader::kBlockBytes]) {}
  // status is the source's error, if reading ended on one.
  const absl::Status& status() const { return status_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (left_ == 0 || !status_.ok()) return traits_type::eof();
    const size_t want = static_cast<size_t>(std::min<uint64_t>(LineReader::kBlockBytes, left_));
    absl::StatusOr<size_t> n = source_->Read(block_.get(), want);
    if (!n.ok()) status_ = n.status();
    if (!n.ok() || *n == 0) return traits_type::eof();
    left_ -= *n;
    setg(block_.get(), block_.get(), block_.get() + *n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  ByteSource* source_;
  uint64_t left_;
  std::unique_ptr<char[]> block_;  // kBlockBytes, uninitialised
  absl::Status status_;
};

}  // namespace

namespace {

// OpenText opens the text to read, once for each pass: `*text` when given
// (ParseHepMC), else the file `path`, plain or gzipped.
absl::StatusOr<std::unique_ptr<ByteSource>> OpenText(const std::string* text,
                                                     const std::string& path) {
  if (text != nullptr) return std::unique_ptr<ByteSource>(std::make_unique<StringSource>(*text));
  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<PossiblyGzippedFile> file, PossiblyGzippedFile::Open(path));
  return std::unique_ptr<ByteSource>(std::move(file));
}

// DetectFormat reads the first listing line after optional HepMC::Version
// lines.
absl::StatusOr<HepMCFormat> DetectFormat(LineReader* reader, const std::string& source) {
  std::string_view line;
  bool any = false;
  while (reader->Next(&line)) {
    if (line.empty()) continue;
    any = true;
    if (line == kV3Start) return HepMCFormat::kAsciiV3;
    if (line == kV2Start) return HepMCFormat::kIoGenEvent;
    if (absl::StartsWith(Absl(line), "HepMC::Version")) continue;
    std::string shown(line.substr(0, 60));
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", reader->line(), ": not a HepMC ASCII file: expected '", kV3Start,
                     "' or '", kV2Start, "', found '", shown, "'"));
  }
  if (!any) return absl::InvalidArgumentError(absl::StrCat(source, ": empty file"));
  return absl::InvalidArgumentError(absl::StrCat(source, ": truncated: no START_EVENT_LISTING line"));
}

// EventParticles lists an event's particles in record order, in GeV.
void EventParticles(HepMC3::GenEvent* event, std::vector<EventParticle>* particles) {
  event->set_units(HepMC3::Units::GEV, HepMC3::Units::MM);
  particles->clear();
  for (const HepMC3::ConstGenParticlePtr& p :
       static_cast<const HepMC3::GenEvent&>(*event).particles()) {
    EventParticle q;
    q.pdg_id = p->pid();
    q.status = p->status();
    const HepMC3::FourVector& m = p->momentum();
    q.e = m.e();
    q.px = m.px();
    q.py = m.py();
    q.pz = m.pz();
    q.m = p->generated_mass();
    particles->push_back(q);
  }
}

// ReadEvents has libHepMC3 read the checked listing event by event into
// `builder`, comparing each event with its shape; it returns the events read.
absl::StatusOr<int64_t> ReadEvents(HepMC3::Reader* reader, const Listing& listing,
                                   const std::string& source, ParticleTableBuilder* builder) {
  const std::vector<EventShape>& shapes = listing.events;
  std::vector<EventParticle> particles;
  size_t index = 0;
  while (!builder->done()) {
    HepMC3::GenEvent event;
    bool ok = false;
    try {
      ok = reader->read_event(event);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": event ", index + 1, ": ", e.what()));
    }
    if (reader->failed()) break;
    if (index >= shapes.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": libHepMC3 found more events than the listing's ", shapes.size()));
    }
    const std::string where = absl::StrCat(source, ":", shapes[index].line, ": event ", index + 1);
    if (!ok) return absl::InvalidArgumentError(absl::StrCat(where, ": libHepMC3 could not parse it"));
    if (static_cast<int64_t>(event.particles().size()) != shapes[index].particles) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": libHepMC3 kept ",
                                                     event.particles().size(), " of ",
                                                     shapes[index].particles, " particles"));
    }
    EventParticles(&event, &particles);
    const double weight = event.weights().empty() ? 1.0 : event.weights()[0];
    EVGEN_RETURN_IF_ERROR(builder->AddEvent(particles, weight, where));
    ++index;
  }
  if (!builder->done() && index != shapes.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ":", index < shapes.size() ? shapes[index].line : 0, ": event ", index + 1,
        ": libHepMC3 stopped after ", index, " of ", shapes.size(), " events"));
  }
  return static_cast<int64_t>(index);
}

// ParseListing reads the text in three streamed passes: the format from
// its first lines, the pre-scan of the whole listing, then libHepMC3 over
// the checked bytes. An error of the file itself (a corrupt gzip stream)
// comes before any other, as when files were inflated whole before parsing.
absl::StatusOr<Table> ParseListing(const std::string* text, const std::string& source,
                                   const ParticleSelection& selection, HepMCFileInfo* out) {
  absl::StatusOr<ParticleTableBuilder> builder = ParticleTableBuilder::Create(selection);
  absl::StatusOr<HepMCFormat> format = absl::UnknownError("not read");
  {
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> head_source, OpenText(text, source));
    LineReader head(head_source.get(), source);
    if (builder.ok()) format = DetectFormat(&head, source);
    if (!builder.ok() || !format.ok()) {
      EVGEN_RETURN_IF_ERROR(head.Finish());
      return builder.ok() ? format.status() : builder.status();
    }
  }
  out->format = *format;

  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> scan_source, OpenText(text, source));
  LineReader lines(scan_source.get(), source);
  absl::StatusOr<Listing> listing = ScanListing(&lines, source, &*format);
  EVGEN_RETURN_IF_ERROR(lines.Finish());
  if (!listing.ok()) return listing.status();

  EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> event_source, OpenText(text, source));
  SourceBuf buffer(event_source.get(), listing->bytes);
  std::istream stream(&buffer);
  std::unique_ptr<HepMC3::Reader> reader;
  if (*format == HepMCFormat::kAsciiV3) {
    reader = std::make_unique<HepMC3::ReaderAscii>(stream);
  } else {
    reader = std::make_unique<HepMC3::ReaderAsciiHepMC2>(stream);
  }
  absl::StatusOr<int64_t> events = ReadEvents(reader.get(), *listing, source, &*builder);
  EVGEN_RETURN_IF_ERROR(buffer.status());
  if (!events.ok()) return events.status();
  out->events_in_file = *events;
  out->events_skipped = builder->skipped();
  out->report = ReadReport();
  return builder->Finish(source, &out->report);
}

// ResetInfo clears *info (or a local) for a new read, keeping `gzipped`.
HepMCFileInfo& ResetInfo(HepMCFileInfo* info, HepMCFileInfo* local, bool gzipped) {
  HepMCFileInfo& out = info != nullptr ? *info : *local;
  out = HepMCFileInfo();
  out.gzipped = gzipped;
  return out;
}

}  // namespace

absl::StatusOr<Table> ParseHepMC(const std::string& text, const std::string& source,
                                 const ParticleSelection& selection, HepMCFileInfo* info) {
  HepMCFileInfo local;
  HepMCFileInfo& out = ResetInfo(info, &local, info != nullptr && info->gzipped);
  return ParseListing(&text, source, selection, &out);
}

absl::StatusOr<Table> ReadHepMC(const std::string& path, const ParticleSelection& selection,
                                HepMCFileInfo* info) {
  bool gzipped = false;
  {
    // The first open says whether the file is gzipped, and that it exists.
    EVGEN_ASSIGN_OR_RETURN(std::unique_ptr<PossiblyGzippedFile> file, PossiblyGzippedFile::Open(path));
    gzipped = file->gzipped();
  }
  HepMCFileInfo local;
  HepMCFileInfo& out = ResetInfo(info, &local, gzipped);
  return ParseListing(nullptr, path, selection, &out);
}

absl::StatusOr<Table> ReadHepMCWithOptions(const std::string& path,
                                const std::map<std::string, std::string>& options,
                                ReadReport* report) {
  EVGEN_ASSIGN_OR_RETURN(ParticleSelection selection, ParseParticleSelection(options));
  HepMCFileInfo info;
  absl::StatusOr<Table> table = ReadHepMC(path, selection, &info);
  if (table.ok() && report != nullptr) *report = std::move(info.report);
  return table;
}

}  // namespace evgen
