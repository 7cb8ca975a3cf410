// checked_size.h: overflow-checked arithmetic for sizes and counts that come
// from input (file headers, HDF5 dimensions, record field counts, wire chunks).
//
// A count read from a file or a peer is hostile until checked. Multiplied
// unchecked it wraps around: a .npy shape of (1, 2^62 + 1) makes
// rows * columns * 4 equal 4, the wrapped byte count passes the very check
// meant to catch a short file, and the reader then asks for 2^62 floats.
// These helpers compute in int64_t with the compiler's overflow builtins and
// return InvalidArgument naming what was being sized and the operands when a
// size is negative or the exact result does not fit.
//
// Header-only, so evgen_io and evgen_wire use it without a new library.
//
// Example:
//   EVGEN_ASSIGN_OR_RETURN(
//       int64_t bytes, CheckedProduct({rows, columns, 4}, absl::StrCat(path, ": .npy data")));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace evgen {
namespace checked_size_internal {

[[nodiscard]] inline absl::Status Negative(int64_t value, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, ": size ", value, " is negative, expected >= 0"));
}

[[nodiscard]] inline absl::Status TooLarge(std::initializer_list<int64_t> operands, absl::string_view op,
                             absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", absl::StrJoin(operands, op),
                                                 " does not fit in a 64-bit size"));
}

}  // namespace checked_size_internal

// CheckedMul returns a * b for sizes a, b >= 0; `what` (e.g. "f.npy: shape
// (3, 4)") names them in the error.
[[nodiscard]] inline absl::StatusOr<int64_t> CheckedMul(int64_t a, int64_t b,
                                                        absl::string_view what) {
  if (a < 0) return checked_size_internal::Negative(a, what);
  if (b < 0) return checked_size_internal::Negative(b, what);
  int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return checked_size_internal::TooLarge({a, b}, " x ", what);
  return out;
}

// CheckedProduct multiplies every factor (1 for none), so that the error
// shows the whole product, e.g. "1 x 4611686018427387905 x 4".
[[nodiscard]] inline absl::StatusOr<int64_t> CheckedProduct(std::initializer_list<int64_t> factors,
                                                            absl::string_view what) {
  int64_t out = 1;
  for (int64_t f : factors) {
    if (f < 0) return checked_size_internal::Negative(f, what);
    if (__builtin_mul_overflow(out, f, &out)) {
      return checked_size_internal::TooLarge(factors, " x ", what);
    }
  }
  return out;
}

// CheckedAdd returns a + b for sizes a, b >= 0.
[[nodiscard]] inline absl::StatusOr<int64_t> CheckedAdd(int64_t a, int64_t b,
                                                        absl::string_view what) {
  if (a < 0) return checked_size_internal::Negative(a, what);
  if (b < 0) return checked_size_internal::Negative(b, what);
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return checked_size_internal::TooLarge({a, b}, " + ", what);
  return out;
}

// CheckedToInt64 converts an unsigned size (size_t, HDF5's hsize_t) that
// must also fit the signed arithmetic above.
[[nodiscard]] inline absl::StatusOr<int64_t> CheckedToInt64(uint64_t value,
                                                            absl::string_view what) {
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": size ", value, " does not fit in a 64-bit size"));
  }
  return static_cast<int64_t>(value);
}

}  // namespace evgen
