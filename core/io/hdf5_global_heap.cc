#include "core/io/hdf5_global_heap.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"

namespace evgen {
namespace {

constexpr char kSignature[] = "GCOL";
constexpr size_t kSignatureSize = 4;
// The collection header (signature, version, reserved, collection size) and
// an object's header (index, reference count, reserved, size) both take 16
// bytes with 8-byte lengths, which is what every HDF5 writer uses.
constexpr uint64_t kHeaderSize = 16;

uint64_t LittleEndian(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// ReadAt reads `size` bytes at `offset`, or returns false past the end.
bool ReadAt(std::ifstream& in, uint64_t offset, uint64_t size, std::string* out) {
  out->resize(size);
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out->data(), static_cast<std::streamsize>(size));
  return static_cast<uint64_t>(in.gcount()) == size;
}

// CheckCollection walks the collection whose signature is at `offset`.
absl::Status CheckCollection(std::ifstream& in, uint64_t offset, uint64_t file_bytes,
                             const std::string& path) {
  std::string header;
  if (!ReadAt(in, offset, kHeaderSize, &header) || header[4] != 1) {
    return absl::OkStatus();  // not a version 1 collection: libhdf5 refuses it itself
  }
  const std::string where = absl::StrCat(path, ": HDF5 global heap at byte ", offset);
  const uint64_t size = LittleEndian(header.data() + 8, 8);
  if (size < 2 * kHeaderSize || size > file_bytes - offset) {
    return absl::InvalidArgumentError(absl::StrCat(where, " claims ", size, " bytes; the file has ",
                                                   file_bytes - offset, " from there"));
  }
  std::string heap;
  if (!ReadAt(in, offset, size, &heap)) {
    return absl::InvalidArgumentError(absl::StrCat(where, " cannot be read"));
  }
  uint64_t p = kHeaderSize;
  while (size - p >= kHeaderSize) {
    const uint64_t index = LittleEndian(heap.data() + p, 2);
    const uint64_t object = LittleEndian(heap.data() + p + 8, 8);
    const uint64_t left = size - p;
    // The free-space object (index 0) counts its own header; others do not
    // and are padded to 8 bytes.
    const bool fits = index == 0 ? object >= kHeaderSize && object <= left
                                 : object <= left - kHeaderSize &&
                                       kHeaderSize + (object + 7) / 8 * 8 <= left;
    if (!fits) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": object ", index, " at byte ",
                                                     offset + p, " claims ", object,
                                                     " bytes, which do not fit its collection"));
    }
    p += index == 0 ? object : kHeaderSize + (object + 7) / 8 * 8;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckGlobalHeaps(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  in.seekg(0, std::ios::end);
  const uint64_t file_bytes = static_cast<uint64_t>(in.tellg());
  // Signatures are searched block by block; a block starts with the previous
  // one's last 3 bytes, so a signature across the boundary is found once.
  constexpr uint64_t kBlock = uint64_t{1} << 20;
  std::vector<uint64_t> found;
  std::string block;
  for (uint64_t start = 0; start < file_bytes; start += kBlock) {
    const uint64_t from = start >= kSignatureSize - 1 ? start - (kSignatureSize - 1) : 0;
    const uint64_t size = std::min(file_bytes, start + kBlock) - from;
    if (!ReadAt(in, from, size, &block)) break;
    for (size_t at = block.find(kSignature); at != std::string::npos;
         at = block.find(kSignature, at + 1)) {
      found.push_back(from + at);
    }
  }
  for (uint64_t offset : found) {
    EVGEN_RETURN_IF_ERROR(CheckCollection(in, offset, file_bytes, path));
  }
  return absl::OkStatus();
}

}  // namespace evgen
