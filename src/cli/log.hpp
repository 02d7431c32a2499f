// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "audit/log.hpp"
#include "audit/note.hpp"

// Options and key handling shared by `zkinfer log` and `zkinfer receipt`.
namespace zkinfer::cli {

// Where the log lives: --db PATH (SQLite) or --pg CONNSTR [--pg-schema S].
struct StoreLocation {
  std::string db;
  std::string pg;
  std::string pg_schema;

  void add_options(CLI::App& command);
  std::unique_ptr<audit::LogStore> open(const audit::StoreOptions& options = {}) const;
};

// A private key file as `log init` / `log keygen` write it (the note
// signer-key string of golang.org/x/mod/sumdb/note, one line).
audit::NoteSignerKey load_signer_key(const std::string& path);
// A verifier key string, or the path of a file holding one.
audit::NoteVerifierKey load_verifier_key(const std::string& text_or_path);
std::vector<audit::NoteVerifierKey> load_verifier_keys(const std::vector<std::string>& texts);
// A repeatable option taking one key per occurrence (so it never swallows
// the positional arguments after it).
CLI::Option* add_key_list(CLI::App& command, const std::string& name,
                          std::vector<std::string>& keys, const std::string& description);

void write_text_atomic(const std::string& path, const std::string& text, unsigned mode = 0644);
std::string read_text(const std::string& path);

}  // namespace zkinfer::cli
