// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>

// Every subcommand lives in its own file and registers itself here: it adds
// its options to `app` and a callback that runs the command and stores the
// process exit code in `exit_code`. Exit codes: 0 success, 1 a check or a
// verification failed, 2 bad input or usage (a zkinfer::Error escaping the
// callback is reported by main with code 2).
namespace zkinfer::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitBadInput = 2;

// Wall-clock seconds since `start`, for the timings commands print.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void add_selfcheck_command(CLI::App& app, int& exit_code);
void add_params_command(CLI::App& app, int& exit_code);
void add_quantize_command(CLI::App& app, int& exit_code);
void add_commit_command(CLI::App& app, int& exit_code);
void add_prove_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_log_command(CLI::App& app, int& exit_code);
void add_receipt_command(CLI::App& app, int& exit_code);

}  // namespace zkinfer::cli
