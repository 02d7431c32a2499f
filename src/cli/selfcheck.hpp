// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace zkinfer::cli {

// Runs known-answer checks of every core component on this machine's
// selected code paths and prints one line per check. Returns the number of
// failed checks.
int run_selfcheck();

}  // namespace zkinfer::cli
