// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "audit/store.hpp"

namespace zkinfer::audit {

// The embedded default backend: one SQLite file in WAL mode with
// synchronous=FULL, so a commit is on disk (WAL fsync'ed) before append()
// returns. Appends run in BEGIN IMMEDIATE transactions; writers from other
// processes wait for the lock (StoreOptions::busy_timeout) and then proceed,
// so all of them succeed and get consecutive indices. The file must be on a
// local file system (WAL needs shared memory between the processes).
//
// Throws Error if the file is missing (unless create_if_missing), is not a
// SQLite database, is corrupt, or is not a zkinfer audit log.
std::unique_ptr<LogStore> open_sqlite_store(const std::string& path, const StoreOptions& options);

}  // namespace zkinfer::audit
