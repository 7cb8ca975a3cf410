#include "core/metrics/efp.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/metrics/one_dim.h"
#include "core/physics/constants.h"
#include "core/random/counter_rng.h"
#include "core/status_macros.h"
#include "core/util/stop_check.h"

namespace evgen {
namespace {

using Edges = std::vector<std::array<int, 2>>;

// kMaxEnumeratedEdges bounds ConnectedMultigraphs: the canonical form tries
// every vertex permutation, (d + 1)! of them.
constexpr int kMaxEnumeratedEdges = 5;

Edges Normalised(Edges edges) {
  for (auto& e : edges) {
    if (e[0] > e[1]) std::swap(e[0], e[1]);
  }
  std::sort(edges.begin(), edges.end());
  return edges;
}

// CanonicalEdges is the lexicographically smallest sorted edge list over all
// relabellings of the vertices: two multigraphs are isomorphic exactly when
// their canonical lists are equal.
Edges CanonicalEdges(int num_vertices, const Edges& edges) {
  std::vector<int> perm(num_vertices);
  std::iota(perm.begin(), perm.end(), 0);
  Edges best;
  bool first = true;
  do {
    Edges mapped = edges;
    for (auto& e : mapped) e = {perm[e[0]], perm[e[1]]};
    mapped = Normalised(std::move(mapped));
    if (first || mapped < best) {
      best = std::move(mapped);
      first = false;
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

bool ConnectedCovering(int num_vertices, const Edges& edges) {
  std::vector<int> parent(num_vertices);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&parent](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& e : edges) parent[find(e[0])] = find(e[1]);
  for (int v = 1; v < num_vertices; ++v) {
    if (find(v) != find(0)) return false;
  }
  return true;
}

bool GraphLess(const Multigraph& a, const Multigraph& b) {
  if (a.num_edges() != b.num_edges()) return a.num_edges() < b.num_edges();
  if (a.num_vertices != b.num_vertices) return a.num_vertices < b.num_vertices;
  return a.edges < b.edges;
}

// Components splits g into its connected components, each relabelled to
// vertices 0..n-1 (an isolated vertex is a component with no edge).
std::vector<Multigraph> Components(const Multigraph& g) {
  std::vector<int> parent(g.num_vertices);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&parent](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (const auto& e : g.edges) parent[find(e[0])] = find(e[1]);
  std::map<int, std::vector<int>> members;
  for (int v = 0; v < g.num_vertices; ++v) members[find(v)].push_back(v);
  std::vector<Multigraph> out;
  for (const auto& [root, vertices] : members) {
    Multigraph c;
    c.num_vertices = static_cast<int>(vertices.size());
    std::map<int, int> relabel;
    for (size_t i = 0; i < vertices.size(); ++i) relabel[vertices[i]] = static_cast<int>(i);
    for (const auto& e : g.edges) {
      if (find(e[0]) == root) c.edges.push_back({relabel[e[0]], relabel[e[1]]});
    }
    c.edges = Normalised(std::move(c.edges));
    out.push_back(std::move(c));
  }
  return out;
}

// Factor is a term of the variable elimination: a vector over vertex a
// (b < 0) or an M x M matrix indexed [a][b].
struct Factor {
  int a = -1;
  int b = -1;
  std::vector<double> data;
};

// OrientedFirst returns the matrix of pair factor f indexed [v][other].
std::vector<double> OrientedFirst(const Factor& f, int v, int m) {
  if (f.a == v) return f.data;
  std::vector<double> t(f.data.size());
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) t[static_cast<size_t>(j) * m + i] = f.data[static_cast<size_t>(i) * m + j];
  }
  return t;
}

// ConnectedEfp evaluates one connected graph by eliminating, at each step,
// the vertex with the fewest neighbours. powers[k] is theta^k elementwise.
absl::StatusOr<double> ConnectedEfp(const Multigraph& g, const std::vector<double>& z,
                                    std::vector<std::vector<double>>& powers,
                                    const std::vector<double>& theta) {
  const int m = static_cast<int>(z.size());
  if (g.edges.empty()) return std::accumulate(z.begin(), z.end(), 0.0);
  std::map<std::array<int, 2>, int> multiplicity;
  for (const auto& e : g.edges) ++multiplicity[e];
  std::vector<Factor> factors;
  for (const auto& [pair, k] : multiplicity) {
    while (static_cast<int>(powers.size()) <= k) {
      std::vector<double> next(theta.size());
      const std::vector<double>& last = powers.back();
      for (size_t i = 0; i < next.size(); ++i) next[i] = last[i] * theta[i];
      powers.push_back(std::move(next));
    }
    factors.push_back({pair[0], pair[1], powers[k]});
  }
  std::vector<bool> alive(g.num_vertices, true);
  double result = 1.0;
  for (int step = 0; step < g.num_vertices; ++step) {
    int best = -1;
    std::set<int> best_neighbours;
    for (int v = 0; v < g.num_vertices; ++v) {
      if (!alive[v]) continue;
      std::set<int> neighbours;
      for (const Factor& f : factors) {
        if (f.b < 0) continue;
        if (f.a == v) neighbours.insert(f.b);
        if (f.b == v) neighbours.insert(f.a);
      }
      if (best < 0 || neighbours.size() < best_neighbours.size()) {
        best = v;
        best_neighbours = std::move(neighbours);
      }
    }
    const int v = best;
    if (best_neighbours.size() > 2) {
      return absl::InternalError(absl::StrCat("EFP graph of treewidth > 2 (", g.num_edges(),
                                              " edges) is not supported"));
    }
    std::vector<double> a = z;
    std::map<int, std::vector<double>> pair_with;  // neighbour -> matrix [v][neighbour]
    std::vector<Factor> rest;
    for (Factor& f : factors) {
      if (f.b < 0 && f.a == v) {
        for (int i = 0; i < m; ++i) a[i] *= f.data[i];
      } else if (f.b >= 0 && (f.a == v || f.b == v)) {
        const int other = f.a == v ? f.b : f.a;
        std::vector<double> oriented = OrientedFirst(f, v, m);
        auto it = pair_with.find(other);
        if (it == pair_with.end()) {
          pair_with.emplace(other, std::move(oriented));
        } else {
          for (size_t i = 0; i < oriented.size(); ++i) it->second[i] *= oriented[i];
        }
      } else {
        rest.push_back(std::move(f));
      }
    }
    factors = std::move(rest);
    alive[v] = false;
    if (pair_with.empty()) {
      result *= std::accumulate(a.begin(), a.end(), 0.0);
    } else if (pair_with.size() == 1) {
      const auto& [u, p] = *pair_with.begin();
      std::vector<double> out(m, 0.0);
      for (int i = 0; i < m; ++i) {
        const double ai = a[i];
        const double* row = p.data() + static_cast<size_t>(i) * m;
        for (int j = 0; j < m; ++j) out[j] += ai * row[j];
      }
      factors.push_back({u, -1, std::move(out)});
    } else {
      auto it = pair_with.begin();
      const int u = it->first;
      const std::vector<double>& p = it->second;
      ++it;
      const int w = it->first;
      const std::vector<double>& q = it->second;
      std::vector<double> out(static_cast<size_t>(m) * m, 0.0);
      for (int i = 0; i < m; ++i) {
        const double* prow = p.data() + static_cast<size_t>(i) * m;
        const double* qrow = q.data() + static_cast<size_t>(i) * m;
        for (int j = 0; j < m; ++j) {
          const double c = a[i] * prow[j];
          if (c == 0.0) continue;
          double* orow = out.data() + static_cast<size_t>(j) * m;
          for (int k = 0; k < m; ++k) orow[k] += c * qrow[k];
        }
      }
      factors.push_back({u, w, std::move(out)});
    }
  }
  return result;
}

// EfpPlan is a set's graphs split into connected components, with each
// distinct component evaluated once per jet.
struct EfpPlan {
  std::vector<Multigraph> components;           // distinct, canonical
  std::vector<std::vector<int>> graph_factors;  // per graph, indices into components
};

const EfpPlan& PlanFor(EfpSet set) {
  auto build = [](EfpSet s) {
    EfpPlan plan;
    std::map<std::pair<int, Edges>, int> index;
    for (const Multigraph& g : EfpGraphs(s)) {
      std::vector<int> factors;
      for (const Multigraph& c : Components(g)) {
        const Edges canonical = CanonicalEdges(c.num_vertices, c.edges);
        const auto key = std::make_pair(c.num_vertices, canonical);
        auto it = index.find(key);
        if (it == index.end()) {
          it = index.emplace(key, static_cast<int>(plan.components.size())).first;
          plan.components.push_back({c.num_vertices, canonical});
        }
        factors.push_back(it->second);
      }
      plan.graph_factors.push_back(std::move(factors));
    }
    return plan;
  };
  static const EfpPlan* const n4d4 = new EfpPlan(build(EfpSet::kN4D4));
  static const EfpPlan* const d4 = new EfpPlan(build(EfpSet::kDUpTo4));
  static const EfpPlan* const d4c = new EfpPlan(build(EfpSet::kDUpTo4Connected));
  switch (set) {
    case EfpSet::kN4D4:
      return *n4d4;
    case EfpSet::kDUpTo4:
      return *d4;
    case EfpSet::kDUpTo4Connected:
      break;
  }
  return *d4c;
}

void AddAllMultigraphs(int remaining, int min_size, int min_index, Multigraph& current,
                       std::vector<Multigraph>& out) {
  if (remaining == 0) {
    Multigraph g = current;
    g.edges = Normalised(std::move(g.edges));
    out.push_back(std::move(g));
    return;
  }
  for (int size = min_size; size <= remaining; ++size) {
    const std::vector<Multigraph> parts = ConnectedMultigraphs(size);
    for (int i = size == min_size ? min_index : 0; i < static_cast<int>(parts.size()); ++i) {
      Multigraph next = current;
      for (const auto& e : parts[i].edges) {
        next.edges.push_back({e[0] + current.num_vertices, e[1] + current.num_vertices});
      }
      next.num_vertices += parts[i].num_vertices;
      AddAllMultigraphs(remaining - size, size, i, next, out);
    }
  }
}

absl::Status CheckSample(const Table& t, const char* which) {
  if (t.num_rows() == 0) return absl::InvalidArgumentError(absl::StrCat(which, " table is empty"));
  return absl::OkStatus();
}

}  // namespace

bool Multigraph::IsConnected() const {
  return num_vertices > 0 && ConnectedCovering(num_vertices, edges);
}

std::vector<Multigraph> ConnectedMultigraphs(int num_edges) {
  std::vector<Multigraph> out;
  if (num_edges < 0 || num_edges > kMaxEnumeratedEdges) return out;
  if (num_edges == 0) return {Multigraph{1, {}}};
  std::set<std::pair<int, Edges>> seen;
  for (int n = 2; n <= num_edges + 1; ++n) {
    std::vector<std::array<int, 2>> pairs;
    for (int i = 0; i < n; ++i) {
      for (int j = i + 1; j < n; ++j) pairs.push_back({i, j});
    }
    // Non-decreasing index sequences of length num_edges are the multisets.
    std::vector<int> idx(num_edges, 0);
    const int p = static_cast<int>(pairs.size());
    while (true) {
      Edges edges;
      for (int k : idx) edges.push_back(pairs[k]);
      if (ConnectedCovering(n, edges)) {
        Edges canonical = CanonicalEdges(n, edges);
        if (seen.emplace(n, canonical).second) out.push_back({n, std::move(canonical)});
      }
      int pos = num_edges - 1;
      while (pos >= 0 && idx[pos] == p - 1) --pos;
      if (pos < 0) break;
      ++idx[pos];
      for (int k = pos + 1; k < num_edges; ++k) idx[k] = idx[pos];
    }
  }
  std::sort(out.begin(), out.end(), GraphLess);
  return out;
}

std::vector<Multigraph> AllMultigraphs(int num_edges) {
  if (num_edges == 0) return {Multigraph{1, {}}};
  std::vector<Multigraph> out;
  if (num_edges < 0 || num_edges > kMaxEnumeratedEdges) return out;
  Multigraph empty;
  AddAllMultigraphs(num_edges, 1, 0, empty, out);
  std::sort(out.begin(), out.end(), GraphLess);
  return out;
}

const std::vector<Multigraph>& EfpGraphs(EfpSet set) {
  auto build = [](EfpSet s) {
    std::vector<Multigraph> graphs;
    if (s == EfpSet::kN4D4) {
      for (Multigraph& g : ConnectedMultigraphs(4)) {
        if (g.num_vertices == 4) graphs.push_back(std::move(g));
      }
      return graphs;
    }
    for (int d = s == EfpSet::kDUpTo4 ? 0 : 1; d <= 4; ++d) {
      std::vector<Multigraph> level =
          s == EfpSet::kDUpTo4 ? AllMultigraphs(d) : ConnectedMultigraphs(d);
      for (Multigraph& g : level) graphs.push_back(std::move(g));
    }
    return graphs;
  };
  static const std::vector<Multigraph>* const n4d4 =
      new std::vector<Multigraph>(build(EfpSet::kN4D4));
  static const std::vector<Multigraph>* const d4 =
      new std::vector<Multigraph>(build(EfpSet::kDUpTo4));
  static const std::vector<Multigraph>* const d4c =
      new std::vector<Multigraph>(build(EfpSet::kDUpTo4Connected));
  switch (set) {
    case EfpSet::kN4D4:
      return *n4d4;
    case EfpSet::kDUpTo4:
      return *d4;
    case EfpSet::kDUpTo4Connected:
      break;
  }
  return *d4c;
}

std::vector<std::string> EfpColumnNames(EfpSet set) {
  std::vector<std::string> names;
  const size_t k = EfpGraphs(set).size();
  for (size_t i = 0; i < k; ++i) names.push_back(absl::StrCat("efp_", i));
  return names;
}

std::string EfpGraphText(const Multigraph& graph) {
  if (graph.edges.empty()) return "one vertex";
  std::vector<std::string> edges;
  for (const auto& [a, b] : graph.edges) edges.push_back(absl::StrCat(a, "-", b));
  return absl::StrJoin(edges, " ");
}

absl::StatusOr<std::vector<double>> EfpsOfJet(const std::vector<double>& pt,
                                              const std::vector<double>& eta,
                                              const std::vector<double>& phi, EfpSet set) {
  const size_t m = pt.size();
  if (eta.size() != m || phi.size() != m) {
    return absl::InvalidArgumentError(absl::StrCat("EFP inputs differ in size: pt ", m, ", eta ",
                                                   eta.size(), ", phi ", phi.size()));
  }
  if (m == 0) return absl::InvalidArgumentError("EFPs of a jet with no particle");
  double total = 0;
  for (size_t i = 0; i < m; ++i) {
    if (!(pt[i] >= 0) || !std::isfinite(pt[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("EFP particle ", i, " has pT ", pt[i], "; must be finite and >= 0"));
    }
    if (!std::isfinite(eta[i]) || !std::isfinite(phi[i])) {
      return absl::InvalidArgumentError(absl::StrCat("EFP particle ", i, " has non-finite angles"));
    }
    total += pt[i];
  }
  if (!(total > 0)) return absl::InvalidArgumentError("EFPs of a jet with zero total pT");
  std::vector<double> z(m);
  for (size_t i = 0; i < m; ++i) z[i] = pt[i] / total;
  std::vector<double> theta(m * m);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < m; ++j) {
      const double deta = eta[i] - eta[j];
      const double dphi = std::remainder(phi[i] - phi[j], 2 * physics::kPi);
      theta[i * m + j] = std::sqrt(deta * deta + dphi * dphi);
    }
  }
  std::vector<std::vector<double>> powers = {std::vector<double>(m * m, 1.0), theta};
  const EfpPlan& plan = PlanFor(set);
  std::vector<double> component_values(plan.components.size());
  for (size_t c = 0; c < plan.components.size(); ++c) {
    EVGEN_ASSIGN_OR_RETURN(component_values[c],
                           ConnectedEfp(plan.components[c], z, powers, theta));
  }
  std::vector<double> values;
  values.reserve(plan.graph_factors.size());
  for (const std::vector<int>& factors : plan.graph_factors) {
    double v = 1.0;
    for (int c : factors) v *= component_values[c];
    values.push_back(v);
  }
  return values;
}

absl::StatusOr<Table> EnergyFlowPolynomials(const Table& clouds, EfpSet set) {
  EVGEN_ASSIGN_OR_RETURN(const int jet_col, clouds.ColumnIndex("jet"));
  EVGEN_ASSIGN_OR_RETURN(const int pt_col, clouds.ColumnIndex("log_pt"));
  EVGEN_ASSIGN_OR_RETURN(const int eta_col, clouds.ColumnIndex("eta_rel"));
  EVGEN_ASSIGN_OR_RETURN(const int phi_col, clouds.ColumnIndex("phi_rel"));
  std::vector<std::string> columns = {"jet"};
  for (std::string& name : EfpColumnNames(set)) columns.push_back(std::move(name));
  Table out(columns);
  std::vector<float> row(columns.size());
  std::vector<double> pt, eta, phi;
  const int64_t rows = clouds.num_rows();
  int64_t begin = 0;
  while (begin < rows) {
    const float jet = clouds.at(begin, jet_col);
    int64_t end = begin;
    pt.clear();
    eta.clear();
    phi.clear();
    for (; end < rows && clouds.at(end, jet_col) == jet; ++end) {
      const double log_pt = clouds.at(end, pt_col);
      if (std::isnan(log_pt) || log_pt == INFINITY) {
        return absl::InvalidArgumentError(
            absl::StrCat("column log_pt: row ", end, " is ", log_pt, "; must be finite or -inf"));
      }
      pt.push_back(std::exp(log_pt));
      eta.push_back(clouds.at(end, eta_col));
      phi.push_back(clouds.at(end, phi_col));
    }
    absl::StatusOr<std::vector<double>> values = EfpsOfJet(pt, eta, phi, set);
    if (!values.ok()) {
      return absl::Status(values.status().code(),
                          absl::StrCat("jet ", jet, " (rows ", begin, "..", end - 1,
                                       "): ", std::string(values.status().message())));
    }
    row[0] = jet;
    for (size_t i = 0; i < values->size(); ++i) row[i + 1] = static_cast<float>((*values)[i]);
    out.AppendRow(row.data());
    begin = end;
  }
  if (out.num_rows() == 0) return absl::InvalidArgumentError("jet-cloud table has no rows");
  return out;
}

absl::StatusOr<W1EfpResult> W1EfpFromEfps(const Table& reference_efps,
                                          const Table& generated_efps,
                                          const W1EfpConfig& config) {
  if (config.num_eval_samples < 1 || config.num_batches < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("w1efp: num_eval_samples (", config.num_eval_samples, ") and num_batches (",
                     config.num_batches, ") must be >= 1"));
  }
  EVGEN_RETURN_IF_ERROR(CheckSample(reference_efps, "w1efp: reference EFP"));
  EVGEN_RETURN_IF_ERROR(CheckSample(generated_efps, "w1efp: generated EFP"));
  W1EfpResult result;
  std::vector<int> ref_cols, gen_cols;
  for (int c = 0; c < reference_efps.num_columns(); ++c) {
    const std::string& name = reference_efps.columns()[c];
    if (name == "jet") continue;
    EVGEN_ASSIGN_OR_RETURN(const int g, generated_efps.ColumnIndex(name));
    result.efps.push_back(name);
    ref_cols.push_back(c);
    gen_cols.push_back(g);
  }
  const int gen_features = generated_efps.num_columns() - (generated_efps.HasColumn("jet") ? 1 : 0);
  if (result.efps.empty() || gen_features != static_cast<int>(result.efps.size())) {
    return absl::InvalidArgumentError(
        "w1efp: reference and generated EFP tables must have the same, non-empty EFP columns");
  }
  const int64_t n_ref = reference_efps.num_rows();
  const int64_t n_gen = generated_efps.num_rows();
  if (n_ref < 50000 || n_gen < 50000) {
    result.warnings.push_back(absl::StrCat("w1efp: samples of ", n_ref, " and ", n_gen,
                                           " jets; 50000 are recommended"));
  }
  const size_t k = result.efps.size();
  std::vector<std::vector<double>> w1s(k);
  const int64_t n = config.num_eval_samples;
  std::vector<double> u(n), v(n);
  if (!config.resample) {
    for (size_t f = 0; f < k; ++f) {
      std::vector<double> a(n_ref), b(n_gen);
      for (int64_t i = 0; i < n_ref; ++i) a[i] = reference_efps.at(i, ref_cols[f]);
      for (int64_t i = 0; i < n_gen; ++i) b[i] = generated_efps.at(i, gen_cols[f]);
      EVGEN_ASSIGN_OR_RETURN(const double w1, Wasserstein1(a, b));
      w1s[f].push_back(w1);
    }
  }
  for (int batch = 0; config.resample && batch < config.num_batches && !StopRequested(); ++batch) {
    const uint64_t seed = DeriveSeed(config.seed, static_cast<uint64_t>(batch));
    auto draw = [n, seed](int64_t rows, uint64_t stream) {
      CounterRng rng(seed, stream);
      std::vector<int64_t> idx(n);
      for (int64_t& r : idx) r = std::min<int64_t>(rows - 1, static_cast<int64_t>(rng.Uniform() * rows));
      return idx;
    };
    const std::vector<int64_t> ri = draw(n_ref, 0);
    const std::vector<int64_t> gi = draw(n_gen, 1);
    for (size_t f = 0; f < k; ++f) {
      for (int64_t i = 0; i < n; ++i) {
        u[i] = reference_efps.at(ri[i], ref_cols[f]);
        v[i] = generated_efps.at(gi[i], gen_cols[f]);
      }
      absl::StatusOr<double> w1 = Wasserstein1(u, v);
      if (!w1.ok()) {
        return absl::Status(w1.status().code(), absl::StrCat("w1efp: ", result.efps[f], ": ",
                                                             std::string(w1.status().message())));
      }
      w1s[f].push_back(*w1);
    }
  }
  for (size_t f = 0; f < k; ++f) {
    const double mean =
        std::accumulate(w1s[f].begin(), w1s[f].end(), 0.0) / static_cast<double>(w1s[f].size());
    double var = 0;
    for (double w : w1s[f]) var += (w - mean) * (w - mean);
    result.mean.push_back(mean);
    result.std.push_back(std::sqrt(var / static_cast<double>(w1s[f].size())));
  }
  result.mean_over_efps =
      std::accumulate(result.mean.begin(), result.mean.end(), 0.0) / static_cast<double>(k);
  return result;
}

absl::StatusOr<W1EfpResult> W1Efp(const Table& reference_clouds, const Table& generated_clouds,
                                  const W1EfpConfig& config) {
  EVGEN_ASSIGN_OR_RETURN(Table reference, EnergyFlowPolynomials(reference_clouds, config.set));
  EVGEN_ASSIGN_OR_RETURN(Table generated, EnergyFlowPolynomials(generated_clouds, config.set));
  return W1EfpFromEfps(reference, generated, config);
}

}  // namespace evgen
