// store_digest.h: SHA-256 of every file under a directory, for tests that
// check a crash changed nothing that was stored.
//
// DigestTree walks a directory, hidden entries included, and maps each
// regular file's path relative to the root to the SHA-256 of its content and
// each directory's path (with a trailing '/') to "directory", so a staging
// leftover, even an empty one, shows up as an extra entry. Two snapshots
// compare with ==, and gtest prints both maps when they differ. OpenSSL is
// not a dependency of evgen, so Sha256 is a plain FIPS 180-4 implementation:
// short, not fast, meant for test stores of a few MiB.
//
// Example:
//   const StoreDigest before = DigestTree(data_dir + "/datasets");
//   ... crash and restart evgend ...
//   EXPECT_EQ(DigestTree(data_dir + "/datasets"), before);
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace evgen::testing {

// Sha256 returns the SHA-256 of `bytes` as 64 lowercase hex digits.
std::string Sha256(std::string_view bytes);

// StoreDigest maps a path relative to the walked root to the file's SHA-256
// (or "directory").
using StoreDigest = std::map<std::string, std::string>;

// DigestTree hashes every regular file under `root` and lists every
// directory; a missing root is empty. An unreadable file maps to
// "unreadable" rather than failing the walk.
StoreDigest DigestTree(const std::string& root);

}  // namespace evgen::testing
