// SPDX-License-Identifier: Apache-2.0
#include "cli/log.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "audit/base64.hpp"
#include "audit/postgres_store.hpp"
#include "audit/receipt.hpp"
#include "audit/sqlite_store.hpp"
#include "audit/witness.hpp"
#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "cli/commands.hpp"

namespace zkinfer::cli {
namespace {

// Receipts (which embed their proof) are the largest text files read here.
constexpr std::size_t kMaxTextFile = audit::kMaxReceiptBytes;

using audit::NoteKeyType;
using audit::NoteSignerKey;
using audit::NoteVerifierKey;

std::string trim_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

void print_problems(const std::vector<std::string>& problems) {
  for (const std::string& p : problems) std::printf("problem: %s\n", p.c_str());
}

nlohmann::json hashes_json(const std::vector<audit::Digest>& hashes) {
  nlohmann::json out = nlohmann::json::array();
  for (const audit::Digest& d : hashes) out.push_back(audit::base64_encode(d.bytes));
  return out;
}

// Writes a new key named `name`: the private key to `key_out` (mode 0600)
// and the verifier key to `key_out`.pub; prints the verifier key.
void generate_key(const std::string& name, NoteKeyType type, const std::string& key_out) {
  if (!audit::is_valid_key_name(name)) fail("invalid key name \"" + name + "\"");
  if (std::filesystem::exists(key_out)) fail(key_out + " exists; refusing to overwrite a key");
  const NoteSignerKey key{name, type, audit::Ed25519PrivateKey::generate()};
  const std::string verifier = audit::format_verifier_key(key.verifier());
  write_text_atomic(key_out, audit::format_signer_key(key) + "\n", 0600);
  write_text_atomic(key_out + ".pub", verifier + "\n");
  std::printf("%s\n", verifier.c_str());
}

void add_init(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("init", "create a log store and the log's signing key");
  auto location = std::make_shared<StoreLocation>();
  auto origin = std::make_shared<std::string>();
  auto key_out = std::make_shared<std::string>();
  auto retention_days =
      std::make_shared<int>(static_cast<int>(audit::kDefaultMinimumRetention.count()));
  location->add_options(*cmd);
  cmd->add_option("--origin", *origin, "the log's origin line, e.g. example.com/zkinfer")
      ->required();
  cmd->add_option("--key-out", *key_out, "private key file to create (and KEY.pub)")->required();
  cmd->add_option("--retention-days", *retention_days, "minimum retention of entry bodies");
  cmd->callback([=, &exit_code] {
    audit::StoreOptions options;
    options.create_if_missing = true;
    options.retention.minimum = std::chrono::days(*retention_days);
    audit::validate_retention(options.retention);
    if (!audit::is_valid_key_name(*origin)) fail("invalid origin \"" + *origin + "\"");
    if (std::filesystem::exists(*key_out)) fail(*key_out + " exists; refusing to overwrite a key");
    auto store = location->open(options);
    if (store->size() != 0) fail(store->describe() + " already holds a log with entries");
    generate_key(*origin, NoteKeyType::kEd25519, *key_out);
    exit_code = kExitOk;
  });
}

void add_keygen(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("keygen", "create a witness (cosignature/v1) key");
  auto name = std::make_shared<std::string>();
  auto key_out = std::make_shared<std::string>();
  cmd->add_option("--name", *name, "the witness's name")->required();
  cmd->add_option("--key-out", *key_out, "private key file to create (and KEY.pub)")->required();
  cmd->callback([=, &exit_code] {
    generate_key(*name, NoteKeyType::kCosignatureV1, *key_out);
    exit_code = kExitOk;
  });
}

void add_append(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("append", "append an entry (JSON) and print its index");
  auto location = std::make_shared<StoreLocation>();
  auto entry_file = std::make_shared<std::string>();
  location->add_options(*cmd);
  cmd->add_option("--entry", *entry_file, "the entry, JSON (docs/audit-storage.md)")->required();
  cmd->callback([=, &exit_code] {
    const nlohmann::json json = nlohmann::json::parse(read_text(*entry_file), nullptr, false);
    if (json.is_discarded()) fail(*entry_file + ": not valid JSON");
    // Re-encoding sorts the keys and drops whitespace; parse_entry then
    // checks everything else.
    const std::string canonical = json.dump();
    const audit::Entry entry = audit::parse_entry(Bytes(canonical.begin(), canonical.end()));
    const std::uint64_t index = audit::append_entry(*location->open(), entry);
    std::printf("%llu\n", static_cast<unsigned long long>(index));
    exit_code = kExitOk;
  });
}

void add_get(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("get", "print entry N (its JSON, or its leaf hash if pruned)");
  auto location = std::make_shared<StoreLocation>();
  auto index = std::make_shared<std::uint64_t>();
  location->add_options(*cmd);
  cmd->add_option("N", *index, "entry index")->required();
  cmd->callback([=, &exit_code] {
    const audit::StoredEntry e = location->open()->entry(*index);
    if (e.body) {
      std::printf("%s\n", std::string(e.body->begin(), e.body->end()).c_str());
    } else {
      std::printf("{\"pruned\":true,\"leaf_hash\":\"%s\"}\n", hash::to_hex(e.leaf_hash).c_str());
    }
    exit_code = kExitOk;
  });
}

void add_checkpoint(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand(
      "checkpoint", "sign a checkpoint of the whole log (published at once without witnesses)");
  auto location = std::make_shared<StoreLocation>();
  auto key = std::make_shared<std::string>();
  auto witnesses = std::make_shared<std::vector<std::string>>();
  auto request_out = std::make_shared<std::string>();
  location->add_options(*cmd);
  cmd->add_option("--key", *key, "the log's private key file")->required();
  add_key_list(*cmd, "--witness", *witnesses, "verifier key of a witness that must cosign");
  cmd->add_option("--request-out", *request_out,
                  "with witnesses: write the add-checkpoint request for them here");
  cmd->callback([=, &exit_code] {
    const NoteSignerKey signer = load_signer_key(*key);
    audit::TransparencyLog tlog(location->open(), signer.verifier(), signer,
                                load_verifier_keys(*witnesses));
    const std::string note = tlog.checkpoint();
    std::printf("%s", note.c_str());
    if (!witnesses->empty()) {
      if (request_out->empty()) fail("--request-out is required when witnesses must cosign");
      const auto request = tlog.witness_request(tlog.size());
      write_text_atomic(*request_out, audit::format_add_checkpoint_request(request));
      std::fprintf(stderr, "checkpoint of size %llu awaits %zu witness cosignature(s)\n",
                   static_cast<unsigned long long>(tlog.size()), witnesses->size());
    }
    exit_code = kExitOk;
  });
}

void add_add_cosignature(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("add-cosignature",
                                 "store a witness's cosignature; publish once all have cosigned");
  auto location = std::make_shared<StoreLocation>();
  auto log_key = std::make_shared<std::string>();
  auto witnesses = std::make_shared<std::vector<std::string>>();
  auto size = std::make_shared<std::uint64_t>();
  auto response = std::make_shared<std::string>();
  location->add_options(*cmd);
  cmd->add_option("--log-key", *log_key, "the log's verifier key (or file)")->required();
  add_key_list(*cmd, "--witness", *witnesses, "verifier key of a witness that must cosign")
      ->required();
  cmd->add_option("--size", *size, "tree size of the checkpoint")->required();
  cmd->add_option("--response", *response, "the witness's response (signature lines)")->required();
  cmd->callback([=, &exit_code] {
    audit::TransparencyLog tlog(location->open(), load_verifier_key(*log_key), std::nullopt,
                                load_verifier_keys(*witnesses));
    const bool published = tlog.add_cosignature(*size, read_text(*response));
    std::printf("%s\n", published ? "published" : "awaiting more cosignatures");
    exit_code = kExitOk;
  });
}

// The size a proof command works on: --size, else the latest published checkpoint.
std::uint64_t proof_size(audit::TransparencyLog& tlog, std::uint64_t requested) {
  if (requested != 0) return requested;
  const auto published = tlog.store().latest_checkpoint(true);
  if (!published) fail("no published checkpoint; pass --size");
  return published->size;
}

void add_prove_inclusion(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("prove-inclusion", "print the inclusion proof of entry N (JSON)");
  auto location = std::make_shared<StoreLocation>();
  auto index = std::make_shared<std::uint64_t>();
  auto size = std::make_shared<std::uint64_t>(0);
  location->add_options(*cmd);
  cmd->add_option("N", *index, "entry index")->required();
  cmd->add_option("--size", *size, "tree size (default: the latest published checkpoint)");
  cmd->callback([=, &exit_code] {
    audit::TransparencyLog tlog(location->open());
    const std::uint64_t tree_size = proof_size(tlog, *size);
    const nlohmann::json out = {
        {"index", *index},
        {"tree_size", tree_size},
        {"leaf_hash", audit::base64_encode(tlog.store().entry(*index).leaf_hash.bytes)},
        {"proof", hashes_json(tlog.inclusion_proof(*index, tree_size))}};
    std::printf("%s\n", out.dump(2).c_str());
    exit_code = kExitOk;
  });
}

void add_prove_consistency(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("prove-consistency",
                                 "print the consistency proof between two tree sizes (JSON)");
  auto location = std::make_shared<StoreLocation>();
  auto old_size = std::make_shared<std::uint64_t>();
  auto new_size = std::make_shared<std::uint64_t>();
  location->add_options(*cmd);
  cmd->add_option("OLD", *old_size, "old tree size")->required();
  cmd->add_option("NEW", *new_size, "new tree size")->required();
  cmd->callback([=, &exit_code] {
    audit::TransparencyLog tlog(location->open());
    const nlohmann::json out = {
        {"old_size", *old_size},
        {"new_size", *new_size},
        {"proof", hashes_json(tlog.consistency_proof(*old_size, *new_size))}};
    std::printf("%s\n", out.dump(2).c_str());
    exit_code = kExitOk;
  });
}

void add_audit(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("audit", "check every row, the tree and every checkpoint");
  auto location = std::make_shared<StoreLocation>();
  auto log_key = std::make_shared<std::string>();
  auto witnesses = std::make_shared<std::vector<std::string>>();
  location->add_options(*cmd);
  cmd->add_option("--log-key", *log_key, "the log's verifier key (or file)")->required();
  add_key_list(*cmd, "--witness", *witnesses, "verifier key of a witness that must have cosigned");
  cmd->callback([=, &exit_code] {
    const audit::LogAudit report = audit::audit_log(*location->open(), load_verifier_key(*log_key),
                                                    load_verifier_keys(*witnesses));
    print_problems(report.problems);
    std::printf("%s: %llu entries, %llu checkpoints, %zu problems\n", report.ok() ? "ok" : "FAILED",
                static_cast<unsigned long long>(report.size),
                static_cast<unsigned long long>(report.checkpoints_checked),
                report.problems.size());
    exit_code = report.ok() ? kExitOk : kExitRejected;
  });
}

void add_export_tiles(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("export-tiles",
                                 "write the latest published checkpoint's tiles (tlog-tiles)");
  auto location = std::make_shared<StoreLocation>();
  auto dir = std::make_shared<std::string>();
  location->add_options(*cmd);
  cmd->add_option("DIR", *dir, "output directory")->required();
  cmd->callback([=, &exit_code] {
    audit::TransparencyLog(location->open()).export_tiles(*dir);
    exit_code = kExitOk;
  });
}

void add_witness(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand(
      "witness", "cosign a checkpoint after checking its consistency proof (tlog-witness)");
  auto state = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto log_keys = std::make_shared<std::vector<std::string>>();
  auto request = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--state", *state, "the witness's state file")->required();
  cmd->add_option("--key", *key, "the witness's private key file")->required();
  add_key_list(*cmd, "--log-key", *log_keys, "verifier key of a log it follows")->required();
  cmd->add_option("REQUEST", *request,
                  "add-checkpoint request: old size, consistency proof, checkpoint")
      ->required();
  cmd->add_option("-o,--out", *out, "write the cosignature line here (default: stdout)");
  cmd->callback([=, &exit_code] {
    audit::Witness witness(load_signer_key(*key), load_verifier_keys(*log_keys), *state);
    const auto parsed = audit::parse_add_checkpoint_request(read_text(*request));
    std::string line;
    try {
      line = audit::format_signature_line(
          witness.add_checkpoint(parsed, static_cast<std::uint64_t>(std::time(nullptr))));
    } catch (const Error& e) {
      std::fprintf(stderr, "zkinfer: refused to cosign: %s\n", e.what());
      exit_code = kExitRejected;
      return;
    }
    if (out->empty()) {
      std::printf("%s", line.c_str());
    } else {
      write_text_atomic(*out, line);
    }
    exit_code = kExitOk;
  });
}

void add_monitor(CLI::App& log, int& exit_code) {
  auto* cmd = log.add_subcommand("monitor", "replay a tile directory and check it");
  auto dir = std::make_shared<std::string>();
  auto log_key = std::make_shared<std::string>();
  auto witnesses = std::make_shared<std::vector<std::string>>();
  cmd->add_option("DIR", *dir, "tile directory")->required();
  cmd->add_option("--log-key", *log_key, "the log's verifier key (or file)")->required();
  add_key_list(*cmd, "--witness", *witnesses, "verifier key of a witness that must have cosigned");
  cmd->callback([=, &exit_code] {
    const audit::TileAudit report =
        audit::monitor_tiles(*dir, load_verifier_key(*log_key), load_verifier_keys(*witnesses));
    print_problems(report.problems);
    std::printf("%s: %llu entries, %llu tiles checked\n", report.ok() ? "ok" : "FAILED",
                static_cast<unsigned long long>(report.entries_checked),
                static_cast<unsigned long long>(report.tiles_checked));
    exit_code = report.ok() ? kExitOk : kExitRejected;
  });
}

}  // namespace

void StoreLocation::add_options(CLI::App& command) {
  auto* db_option = command.add_option("--db", db, "SQLite log file");
  auto* pg_option = command.add_option("--pg", pg, "PostgreSQL connection string");
  command.add_option("--pg-schema", pg_schema, "PostgreSQL schema of the log");
  db_option->excludes(pg_option);
  pg_option->excludes(db_option);
}

std::unique_ptr<audit::LogStore> StoreLocation::open(const audit::StoreOptions& options) const {
  if (db.empty() == pg.empty()) fail("give the log's location: --db PATH or --pg CONNSTR");
  return pg.empty() ? audit::open_sqlite_store(db, options)
                    : audit::open_postgres_store(pg, options, pg_schema);
}

audit::NoteSignerKey load_signer_key(const std::string& path) {
  return audit::parse_signer_key(trim_line(read_text(path)));
}

audit::NoteVerifierKey load_verifier_key(const std::string& text_or_path) {
  if (text_or_path.find('+') == std::string::npos || std::filesystem::exists(text_or_path))
    return audit::parse_verifier_key(trim_line(read_text(text_or_path)));
  return audit::parse_verifier_key(text_or_path);
}

CLI::Option* add_key_list(CLI::App& command, const std::string& name,
                          std::vector<std::string>& keys, const std::string& description) {
  return command.add_option(name, keys, description)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

std::vector<audit::NoteVerifierKey> load_verifier_keys(const std::vector<std::string>& texts) {
  std::vector<audit::NoteVerifierKey> keys;
  for (const std::string& t : texts) keys.push_back(load_verifier_key(t));
  return keys;
}

void write_text_atomic(const std::string& path, const std::string& text, unsigned mode) {
  write_file_atomic(path, Bytes(text.begin(), text.end()), static_cast<mode_t>(mode));
}

std::string read_text(const std::string& path) {
  const Bytes bytes = read_file(path, kMaxTextFile);
  return std::string(bytes.begin(), bytes.end());
}

void add_log_command(CLI::App& app, int& exit_code) {
  auto* log = app.add_subcommand("log", "the transparency log of proof receipts");
  log->require_subcommand(1);
  add_init(*log, exit_code);
  add_keygen(*log, exit_code);
  add_append(*log, exit_code);
  add_get(*log, exit_code);
  add_checkpoint(*log, exit_code);
  add_add_cosignature(*log, exit_code);
  add_prove_inclusion(*log, exit_code);
  add_prove_consistency(*log, exit_code);
  add_audit(*log, exit_code);
  add_export_tiles(*log, exit_code);
  add_witness(*log, exit_code);
  add_monitor(*log, exit_code);
}

}  // namespace zkinfer::cli
