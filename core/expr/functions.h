// functions.h: the functions an expression may call, by name, with their
// arities. Every function maps doubles to a double and follows IEEE 754 for
// bad inputs (sqrt(-1) and log(-1) are NaN, log(0) is -inf), so evaluating
// never fails or throws; NaN propagates to the result.
//
// Physics helpers (GeV and radians, metric (+,-,-,-), conventions of
// core/physics/four_vector.h):
//   mass(pt, eta, phi, m, ...)    invariant mass of the sum of one or more
//                                 particles given as (pt, eta, phi, m) groups
//   mass_e(E, px, py, pz, ...)    the same from (E, px, py, pz) groups
//   pt_sum(pt, eta, phi, m, ...)  transverse momentum of that sum
//   pt(px, py), eta(px, py, pz), phi(px, py)
//   delta_phi(phi1, phi2)         phi1 - phi2 wrapped to (-pi, pi]
//   delta_r(eta1, phi1, eta2, phi2)
// A sum whose m^2 is negative (a spacelike sum, or rounding in a massless
// collinear pair) has mass -sqrt(-m^2), as FourVector::Mass, so the sign
// shows instead of a NaN.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace evgen::expr {

// kMaxArguments bounds one call's arguments (16 particles for mass()), so
// evaluation needs no allocation.
inline constexpr int kMaxArguments = 64;

struct Function {
  const char* name;
  // Arguments: between min_args and max_args (max_args < 0: no upper bound),
  // a multiple of `group` when group > 1.
  int min_args = 1;
  int max_args = 1;
  int group = 1;
  const char* signature;  // for messages, e.g. "mass(pt, eta, phi, m, ...)"
  double (*call)(const double* args, int n) = nullptr;
};

// FindFunction returns the function called `name`, or nullptr.
const Function* FindFunction(std::string_view name);

// FunctionNames lists every function, for messages.
std::vector<std::string> FunctionNames();

// ArityError returns "" when `n` arguments suit `f`, else the message that
// says what it takes, e.g. "mass takes groups of 4 arguments (pt, eta, phi, m)
// per particle, got 7".
std::string ArityError(const Function& f, int n);

}  // namespace evgen::expr
