#include "core/io/colour_flow.h"

#include <cstdlib>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace evgen {
namespace {

// The flow is built with every particle crossed to the outgoing side: an
// incoming quark acts as an outgoing antiquark. A tag then joins one
// triplet end (an outgoing quark's colour, an incoming antiquark's
// anticolour, either side of a gluon) to one antitriplet end.
struct End {
  bool incoming = false;
  int index = 0;
};

bool IsUpType(int pdg_id) { return std::abs(pdg_id) % 2 == 0; }
int Generation(int pdg_id) { return (std::abs(pdg_id) + 1) / 2; }

class FlowBuilder {
 public:
  FlowBuilder(const std::vector<int>& in, const std::vector<int>& out) : in_(in), out_(out) {
    flow_.incoming.resize(in.size());
    flow_.outgoing.resize(out.size());
  }

  // Join gives the triplet end `t` and the antitriplet end `a` a new tag.
  void Join(End t, End a) {
    const int tag = next_tag_++;
    ColourTags& tt = t.incoming ? flow_.incoming[t.index] : flow_.outgoing[t.index];
    ColourTags& at = a.incoming ? flow_.incoming[a.index] : flow_.outgoing[a.index];
    (t.incoming ? tt.anticolour : tt.colour) = tag;
    (a.incoming ? at.colour : at.anticolour) = tag;
  }

  absl::Status PairSinglets(const std::vector<std::pair<int, int>>& singlets) {
    for (const auto& [q, qbar] : singlets) {
      const bool valid = q >= 0 && qbar >= 0 && q < static_cast<int>(out_.size()) &&
                         qbar < static_cast<int>(out_.size()) && IsQuark(out_[q]) &&
                         IsAntiquark(out_[qbar]) && !taken_out_.count(q) && !taken_out_.count(qbar);
      if (!valid) {
        return absl::InvalidArgumentError(
            absl::StrCat("outgoing particles ", q + 1, " and ", qbar + 1, " of ",
                         absl::StrJoin(out_, " "), " are not a free quark and antiquark"));
      }
      Pair(q, qbar);
    }
    return absl::OkStatus();
  }

  // PairLikeWs pairs each free outgoing quark with a free antiquark of the
  // other up/down type, preferring its own generation (u dbar, c sbar).
  void PairLikeWs() {
    for (int q = 0; q < static_cast<int>(out_.size()); ++q) {
      if (!IsQuark(out_[q]) || std::abs(out_[q]) > 6 || taken_out_.count(q)) continue;
      int best = -1;
      for (int a = 0; a < static_cast<int>(out_.size()); ++a) {
        if (!IsAntiquark(out_[a]) || std::abs(out_[a]) > 6 || taken_out_.count(a)) continue;
        if (IsUpType(out_[a]) == IsUpType(out_[q])) continue;
        if (best < 0 || (Generation(out_[a]) == Generation(out_[q]) &&
                         Generation(out_[best]) != Generation(out_[q]))) {
          best = a;
        }
      }
      if (best >= 0) Pair(q, best);
    }
  }

  // ChainTheRest joins the free quark ends pairwise, the first pair through
  // all the gluons (a loop of gluons when there are no quarks).
  absl::Status ChainTheRest() {
    std::vector<End> triplets, antitriplets, gluons;
    Collect(true, in_, &triplets, &antitriplets, &gluons);
    Collect(false, out_, &triplets, &antitriplets, &gluons);
    if (triplets.size() != antitriplets.size()) {
      return Unbalanced(absl::StrCat(triplets.size(), " colour triplets against ",
                                     antitriplets.size(),
                                     " antitriplets (an incoming quark counts as an outgoing "
                                     "antiquark)"));
    }
    if (triplets.empty()) {
      if (gluons.size() == 1) return Unbalanced("a lone gluon cannot be a colour singlet");
      for (size_t g = 0; g < gluons.size(); ++g) Join(gluons[g], gluons[(g + 1) % gluons.size()]);
      return absl::OkStatus();
    }
    End from = triplets[0];
    for (const End& g : gluons) {
      Join(from, g);
      from = g;
    }
    Join(from, antitriplets[0]);
    for (size_t i = 1; i < triplets.size(); ++i) Join(triplets[i], antitriplets[i]);
    return absl::OkStatus();
  }

  ColourFlow Take() { return std::move(flow_); }

 private:
  void Pair(int q, int qbar) {
    taken_out_.insert(q);
    taken_out_.insert(qbar);
    Join(End{false, q}, End{false, qbar});
  }

  // Collect sorts the free particles of one side into quark-like ends and
  // gluons, crossing the incoming ones.
  void Collect(bool incoming, const std::vector<int>& ids, std::vector<End>* triplets,
               std::vector<End>* antitriplets, std::vector<End>* gluons) const {
    for (int i = 0; i < static_cast<int>(ids.size()); ++i) {
      if (!incoming && taken_out_.count(i)) continue;
      const End end{incoming, i};
      if (IsGluon(ids[i])) {
        gluons->push_back(end);
      } else if (IsQuark(ids[i]) != incoming && (IsQuark(ids[i]) || IsAntiquark(ids[i]))) {
        triplets->push_back(end);
      } else if (IsQuark(ids[i]) || IsAntiquark(ids[i])) {
        antitriplets->push_back(end);
      }
    }
  }

  absl::Status Unbalanced(const std::string& why) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "colour cannot be conserved in ", in_.empty() ? "" : absl::StrJoin(in_, " "),
        in_.empty() ? "" : " -> ", absl::StrJoin(out_, " "), ": ", why,
        "; give pdg_ids (or incoming_pdg_ids) whose quarks and antiquarks balance"));
  }

  const std::vector<int>& in_;
  const std::vector<int>& out_;
  ColourFlow flow_;
  std::set<int> taken_out_;
  int next_tag_ = kFirstColourTag;
};

}  // namespace

bool IsQuark(int pdg_id) { return pdg_id >= 1 && pdg_id <= 8; }
bool IsAntiquark(int pdg_id) { return pdg_id <= -1 && pdg_id >= -8; }
bool IsGluon(int pdg_id) { return pdg_id == 21; }

absl::StatusOr<ColourFlow> AssignColours(const std::vector<int>& incoming_pdg_ids,
                                         const std::vector<int>& outgoing_pdg_ids,
                                         const std::vector<std::pair<int, int>>& singlets) {
  FlowBuilder builder(incoming_pdg_ids, outgoing_pdg_ids);
  absl::Status s = builder.PairSinglets(singlets);
  if (!s.ok()) return s;
  builder.PairLikeWs();
  s = builder.ChainTheRest();
  if (!s.ok()) return s;
  return builder.Take();
}

}  // namespace evgen
