// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

#include "audit/entry.hpp"

namespace zkinfer::audit {

// How long entry bodies must be kept. EU AI Act Art. 19(1) and 26(6): logs
// are kept "for a period appropriate to the intended purpose ..., of at least
// six months". Six calendar months never span more than 184 days, so 184
// days satisfies the minimum whatever the start date. Sector law may demand
// more (e.g. financial record keeping): raise it when the log is created.
// Retention is counted from when the store logged the entry (its clock at
// append), not from the entry's own times, which the submitter chooses.
inline constexpr std::chrono::days kDefaultMinimumRetention{184};
// Upper bound only to keep the arithmetic far from overflow.
inline constexpr std::chrono::days kMaxMinimumRetention{100 * 366};

struct RetentionPolicy {
  std::chrono::days minimum = kDefaultMinimumRetention;
};

// Throws Error unless 0 <= minimum <= kMaxMinimumRetention.
void validate_retention(const RetentionPolicy& policy);

// The latest cutoff a prune at time `now` may use: entries logged before it
// are at least `minimum` old.
Timestamp latest_prunable_cutoff(const RetentionPolicy& policy, Timestamp now);

// Throws Error, naming the dates involved, if pruning every entry logged
// before `cutoff` at time `now` would remove entries younger than the minimum.
void check_prune_allowed(const RetentionPolicy& policy, Timestamp cutoff, Timestamp now);

// True if an entry logged at `logged_at` and pruned at `pruned_at` was kept
// at least the minimum (what an auditor checks on every pruned row).
bool pruned_after_minimum(const RetentionPolicy& policy, Timestamp logged_at, Timestamp pruned_at);

}  // namespace zkinfer::audit
