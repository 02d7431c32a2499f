// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "audit/store.hpp"

namespace zkinfer::audit {

// The shared backend: PostgreSQL through libpq. `conninfo` is a libpq
// connection string ("host=... dbname=..." or a postgresql:// URI); the
// tables live in `schema` (created if missing when create_if_missing), or in
// the connection's search_path when it is empty, so several logs can share
// one database. Every session runs with synchronous_commit = on, so COMMIT
// returns only once the server has flushed its WAL. Appends lock the one-row
// audit_state table (SELECT ... FOR UPDATE) inside a READ COMMITTED
// transaction: appenders on any number of connections queue on that lock
// and get consecutive indices (a SEQUENCE would leave gaps on rollback).
//
// Throws Error naming the server (never the password) if it cannot connect,
// and if the schema holds no zkinfer audit log (unless create_if_missing).
std::unique_ptr<LogStore> open_postgres_store(const std::string& conninfo,
                                              const StoreOptions& options,
                                              const std::string& schema = "");

}  // namespace zkinfer::audit
