#include "core/expr/functions.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/physics/four_vector.h"

namespace evgen::expr {
namespace {

double Abs(const double* a, int) { return std::abs(a[0]); }
double Sqrt(const double* a, int) { return std::sqrt(a[0]); }
double Log(const double* a, int) { return std::log(a[0]); }
double Log10(const double* a, int) { return std::log10(a[0]); }
double Exp(const double* a, int) { return std::exp(a[0]); }
double Sin(const double* a, int) { return std::sin(a[0]); }
double Cos(const double* a, int) { return std::cos(a[0]); }
double Tan(const double* a, int) { return std::tan(a[0]); }
double Sinh(const double* a, int) { return std::sinh(a[0]); }
double Cosh(const double* a, int) { return std::cosh(a[0]); }
double Tanh(const double* a, int) { return std::tanh(a[0]); }
double Atan2(const double* a, int) { return std::atan2(a[0], a[1]); }
double Pi(const double*, int) { return kPi; }

// Min and Max propagate NaN (std::min would depend on argument order).
double Min(const double* a, int n) {
  double m = a[0];
  for (int i = 1; i < n; ++i) m = std::isnan(a[i]) ? a[i] : std::min(m, a[i]);
  return m;
}
double Max(const double* a, int n) {
  double m = a[0];
  for (int i = 1; i < n; ++i) m = std::isnan(a[i]) ? a[i] : std::max(m, a[i]);
  return m;
}

FourVector SumPtEtaPhiM(const double* a, int n) {
  FourVector sum;
  for (int i = 0; i + 3 < n; i += 4) sum += FourVector::FromPtEtaPhiM(a[i], a[i + 1], a[i + 2], a[i + 3]);
  return sum;
}
double Mass(const double* a, int n) { return SumPtEtaPhiM(a, n).Mass(); }
double PtSum(const double* a, int n) { return SumPtEtaPhiM(a, n).Pt(); }
double MassE(const double* a, int n) {
  FourVector sum;
  for (int i = 0; i + 3 < n; i += 4) sum += FourVector(a[i], a[i + 1], a[i + 2], a[i + 3]);
  return sum.Mass();
}
double Pt(const double* a, int) { return std::hypot(a[0], a[1]); }
double Eta(const double* a, int) { return FourVector(0, a[0], a[1], a[2]).Eta(); }
double Phi(const double* a, int) { return FourVector(0, a[0], a[1], 0).Phi(); }
double DeltaPhiOf(const double* a, int) { return DeltaPhi(a[0], a[1]); }
double DeltaROf(const double* a, int) { return std::hypot(a[0] - a[2], DeltaPhi(a[1], a[3])); }

const std::vector<Function>& Functions() {
  static const auto* functions = new std::vector<Function>{
      {"abs", 1, 1, 1, "abs(x)", Abs},
      {"sqrt", 1, 1, 1, "sqrt(x)", Sqrt},
      {"log", 1, 1, 1, "log(x) (natural)", Log},
      {"log10", 1, 1, 1, "log10(x)", Log10},
      {"exp", 1, 1, 1, "exp(x)", Exp},
      {"sin", 1, 1, 1, "sin(x)", Sin},
      {"cos", 1, 1, 1, "cos(x)", Cos},
      {"tan", 1, 1, 1, "tan(x)", Tan},
      {"sinh", 1, 1, 1, "sinh(x)", Sinh},
      {"cosh", 1, 1, 1, "cosh(x)", Cosh},
      {"tanh", 1, 1, 1, "tanh(x)", Tanh},
      {"atan2", 2, 2, 1, "atan2(y, x)", Atan2},
      {"min", 2, kMaxArguments, 1, "min(a, b, ...)", Min},
      {"max", 2, kMaxArguments, 1, "max(a, b, ...)", Max},
      {"pi", 0, 0, 1, "pi()", Pi},
      {"mass", 4, kMaxArguments, 4, "mass(pt, eta, phi, m, ...)", Mass},
      {"mass_e", 4, kMaxArguments, 4, "mass_e(E, px, py, pz, ...)", MassE},
      {"pt_sum", 4, kMaxArguments, 4, "pt_sum(pt, eta, phi, m, ...)", PtSum},
      {"pt", 2, 2, 1, "pt(px, py)", Pt},
      {"eta", 3, 3, 1, "eta(px, py, pz)", Eta},
      {"phi", 2, 2, 1, "phi(px, py)", Phi},
      {"delta_phi", 2, 2, 1, "delta_phi(phi1, phi2)", DeltaPhiOf},
      {"delta_r", 4, 4, 1, "delta_r(eta1, phi1, eta2, phi2)", DeltaROf},
  };
  return *functions;
}

std::string Arguments(int n) { return n == 1 ? "1 argument" : absl::StrCat(n, " arguments"); }

}  // namespace

const Function* FindFunction(std::string_view name) {
  for (const Function& f : Functions()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

std::vector<std::string> FunctionNames() {
  std::vector<std::string> names;
  for (const Function& f : Functions()) names.emplace_back(f.name);
  return names;
}

std::string ArityError(const Function& f, int n) {
  const bool too_few = n < f.min_args;
  const bool too_many = f.max_args >= 0 && n > f.max_args;
  const bool ungrouped = f.group > 1 && n % f.group != 0;
  if (!too_few && !too_many && !ungrouped) return "";
  const std::string got = absl::StrCat(", got ", n, "; ", f.signature);
  if (f.group > 1) {
    const std::string signature = f.signature;
    const std::string inside = signature.substr(signature.find('(') + 1);
    const std::string group = inside.substr(0, inside.find(", ..."));
    return absl::StrCat(f.name, " takes groups of ", f.group, " arguments (", group,
                        ") per particle, at most ", f.max_args / f.group, " particles", got);
  }
  if (f.min_args == f.max_args) return absl::StrCat(f.name, " takes ", Arguments(f.min_args), got);
  if (too_few) return absl::StrCat(f.name, " takes at least ", Arguments(f.min_args), got);
  return absl::StrCat(f.name, " takes at most ", Arguments(f.max_args), got);
}

}  // namespace evgen::expr
