// address_sanitizer.h: kSanitized, whether AddressSanitizer is on. It keeps
// freed memory in quarantine (256 MB), so peak-memory bounds say nothing
// under it and tests that check them skip.
#pragma once

namespace evgen {
namespace testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace testing
}  // namespace evgen
