// SPDX-License-Identifier: Apache-2.0
#include "audit/retention.hpp"

#include <cstdint>
#include <string>

#include "base/error.hpp"

namespace zkinfer::audit {

void validate_retention(const RetentionPolicy& policy) {
  if (policy.minimum < std::chrono::days(0) || policy.minimum > kMaxMinimumRetention)
    fail("minimum retention of " + std::to_string(policy.minimum.count()) +
         " days is outside [0, " + std::to_string(kMaxMinimumRetention.count()) + "]");
}

Timestamp latest_prunable_cutoff(const RetentionPolicy& policy, Timestamp now) {
  return now - policy.minimum;
}

void check_prune_allowed(const RetentionPolicy& policy, Timestamp cutoff, Timestamp now) {
  const Timestamp latest = latest_prunable_cutoff(policy, now);
  if (cutoff > latest)
    fail("refusing to prune entries logged before " + format_timestamp(cutoff) +
         ": the log's minimum retention is " + std::to_string(policy.minimum.count()) +
         " days, so at " + format_timestamp(now) + " only entries logged before " +
         format_timestamp(latest) + " may be pruned");
}

bool pruned_after_minimum(const RetentionPolicy& policy, Timestamp logged_at, Timestamp pruned_at) {
  // Stored times come from the database and may be anything: the difference
  // is taken in unsigned arithmetic, exact once pruned_at >= logged_at.
  if (pruned_at < logged_at) return false;
  const auto kept = static_cast<std::uint64_t>(to_unix_ms(pruned_at)) -
                    static_cast<std::uint64_t>(to_unix_ms(logged_at));
  const auto minimum = std::chrono::duration_cast<std::chrono::milliseconds>(policy.minimum);
  return kept >= static_cast<std::uint64_t>(minimum.count());
}

}  // namespace zkinfer::audit
