// hdf5_global_heap.h: checks an HDF5 file's global heap collections before
// libhdf5 reads variable-length data (h5py's and evgen's column names) from
// them.
//
// libhdf5 1.10 (Debian bookworm) walks a collection by the object sizes the
// file states and never finishes when the free-space object's size is 0: a
// two-byte change to a valid file hangs the reader for good, with the
// process-wide HDF5 mutex held. CheckGlobalHeaps walks every collection the
// way the HDF5 File Format Specification ("Global Heap") lays it out and
// refuses the file unless the collection lies within the file, every object
// within its collection, and every step moves forward.
//
// Example:
//   EVGEN_RETURN_IF_ERROR(CheckGlobalHeaps(path));  // then H5Aread(...vlen...)
#pragma once

#include <string>

#include "absl/status/status.h"

namespace evgen {

// CheckGlobalHeaps returns InvalidArgument naming the file and the
// collection's offset for a malformed collection, NotFound if the file
// cannot be read.
[[nodiscard]] absl::Status CheckGlobalHeaps(const std::string& path);

}  // namespace evgen
