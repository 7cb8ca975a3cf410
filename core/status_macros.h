// status_macros.h: early-return helpers for absl::Status / absl::StatusOr.
//
// Debian bookworm's Abseil (20220623) predates absl's own status macros, so
// evgen carries this small pair.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(store.Write(table));
//   EVGEN_ASSIGN_OR_RETURN(Table t, ReadCsv(path));
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define EVGEN_STATUS_CONCAT_INNER(a, b) a##b
#define EVGEN_STATUS_CONCAT(a, b) EVGEN_STATUS_CONCAT_INNER(a, b)

#define EVGEN_RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                         \
    ::absl::Status tmp = (expr);               \
    if (!tmp.ok()) return tmp;                 \
  } while (false)

// The temporary's name carries the line so nested uses (a lambda inside a
// function that also returns early) never shadow each other.
#define EVGEN_RETURN_IF_ERROR(expr) \
  EVGEN_RETURN_IF_ERROR_IMPL(EVGEN_STATUS_CONCAT(evgen_status_, __LINE__), expr)

#define EVGEN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(*tmp)

#define EVGEN_ASSIGN_OR_RETURN(lhs, expr) \
  EVGEN_ASSIGN_OR_RETURN_IMPL(EVGEN_STATUS_CONCAT(evgen_statusor_, __LINE__), lhs, expr)
