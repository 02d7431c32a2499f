// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "base/bytes.hpp"

namespace zkinfer {

// Replaces `path` with `data` so that a reader, or the same path after a
// crash, sees either the old file or the complete new one, never a mix: the
// bytes go to a fresh temporary file in the same directory (created with
// `mode`, e.g. 0600 for private keys), which is fsync'd, renamed over `path`,
// and the directory is fsync'd so the rename itself is durable.
void write_file_atomic(const std::filesystem::path& path, ByteSpan data, mode_t mode = 0644);

// Many files replaced together, for the price of two filesystem syncs in
// all instead of two per file: stage() writes each to a temporary beside its
// destination, commit() syncs the filesystem, renames every temporary into
// place and syncs again. After a crash each destination holds its old
// content (or nothing) or its complete new content, never a torn file.
// Temporaries of a batch that is destroyed uncommitted are removed.
class AtomicBatch {
 public:
  AtomicBatch() = default;
  AtomicBatch(const AtomicBatch&) = delete;
  AtomicBatch& operator=(const AtomicBatch&) = delete;
  ~AtomicBatch();

  void stage(const std::filesystem::path& path, ByteSpan data, mode_t mode = 0644);
  void commit();

 private:
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> staged_;  // temp, final
};

// The whole file; Error naming the path when it cannot be read or exceeds
// `max_bytes` (untrusted files never make us allocate without bound).
Bytes read_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace zkinfer
