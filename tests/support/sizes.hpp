// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace zkinfer::testing {

// The largest instances (2^20 terms) run in optimised builds; under the
// sanitizers, which slow arithmetic by an order of magnitude, the same tests
// run at 2^16 so the suite stays within CI's time.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr unsigned kLargeLogSize = 16;
inline constexpr bool kSanitized = true;
#else
inline constexpr unsigned kLargeLogSize = 20;
inline constexpr bool kSanitized = false;
#endif

}  // namespace zkinfer::testing
