// log_abs_determinant.h: ln|det A| of a small square matrix, for the tests
// that check a transform's analytic log-Jacobian against a numerical one.
// Gaussian elimination with partial pivoting.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>

namespace evgen::testing {

// LogAbsDeterminant takes the matrix by value (it is reduced in place); Rows
// is any container of rows with size() and operator[] (std::array of
// std::array, std::vector of std::array).
template <typename Rows>
double LogAbsDeterminant(Rows a) {
  const size_t n = a.size();
  double log_det = 0;
  for (size_t c = 0; c < n; ++c) {
    size_t pivot = c;
    for (size_t r = c + 1; r < n; ++r) {
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    }
    std::swap(a[c], a[pivot]);
    log_det += std::log(std::abs(a[c][c]));
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r][c] / a[c][c];
      for (size_t k = c; k < n; ++k) a[r][k] -= f * a[c][k];
    }
  }
  return log_det;
}

}  // namespace evgen::testing
