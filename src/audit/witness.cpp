// SPDX-License-Identifier: Apache-2.0
#include "audit/witness.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "audit/base64.hpp"
#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

constexpr std::string_view kStateHeader = "zkinfer witness state v1\n";
constexpr std::size_t kMaxStateBytes = 64 << 20;

using State = std::map<std::string, Checkpoint, std::less<>>;

// The state file: a header line, then per log the three checkpoint lines
// (origin, size, root) it last cosigned, each followed by a blank line.
State parse_state(std::string_view text, const std::filesystem::path& path) {
  if (!text.starts_with(kStateHeader)) fail("witness state " + path.string() + ": missing header");
  text.remove_prefix(kStateHeader.size());
  State state;
  while (!text.empty()) {
    const std::size_t end = text.find("\n\n");
    if (end == std::string_view::npos)
      fail("witness state " + path.string() + ": truncated record");
    Checkpoint checkpoint;
    try {
      checkpoint = parse_checkpoint(text.substr(0, end + 1));
    } catch (const Error& e) {
      fail("witness state " + path.string() + ": " + e.what());
    }
    if (!checkpoint.extensions.empty())
      fail("witness state " + path.string() + ": unexpected extension lines");
    const std::string origin = checkpoint.origin;
    if (!state.emplace(origin, std::move(checkpoint)).second)
      fail("witness state " + path.string() + ": origin " + origin + " recorded twice");
    text.remove_prefix(end + 2);
  }
  return state;
}

std::string format_state(const State& state) {
  std::string out(kStateHeader);
  for (const auto& [origin, checkpoint] : state)
    out += format_checkpoint({origin, checkpoint.size, checkpoint.root, {}}) + "\n";
  return out;
}

State load_state(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return {};
  const Bytes bytes = read_file(path, kMaxStateBytes);
  return parse_state(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                     path);
}

// An exclusive flock on "<state>.lock", held for one read-check-write cycle.
class StateLock {
 public:
  StateLock(const std::filesystem::path& state_file, int operation) {
    const std::string path = state_file.string() + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) fail("cannot open " + path + ": " + std::strerror(errno));
    while (::flock(fd_, operation) != 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      ::close(fd_);
      fail("cannot lock " + path + ": " + why);
    }
  }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock() { ::close(fd_); }  // closing releases the lock

 private:
  int fd_;
};

}  // namespace

AddCheckpointRequest parse_add_checkpoint_request(std::string_view body) {
  AddCheckpointRequest request;
  const std::size_t blank = body.find("\n\n");
  if (blank == std::string_view::npos)
    fail("add-checkpoint request: no blank line before the checkpoint");
  std::string_view head = body.substr(0, blank + 1);
  request.checkpoint = std::string(body.substr(blank + 2));
  std::size_t line_number = 0;
  while (!head.empty()) {
    const std::size_t end = head.find('\n');
    const std::string_view line = head.substr(0, end);
    head.remove_prefix(end + 1);
    if (line_number++ == 0) {
      if (!line.starts_with("old "))
        fail("add-checkpoint request: first line must be \"old <size>\"");
      request.old_size = parse_tree_size(line.substr(4), "add-checkpoint old size");
      continue;
    }
    if (request.consistency_proof.size() == kMaxRequestProofLines)
      fail("add-checkpoint request: more than 63 consistency proof lines");
    const Bytes hash = base64_decode(line, "add-checkpoint proof line");
    if (hash.size() != 32)
      fail("add-checkpoint request: proof line " + std::to_string(line_number - 1) +
           " is not a 32-byte hash");
    Digest d;
    std::copy(hash.begin(), hash.end(), d.bytes.begin());
    request.consistency_proof.push_back(d);
  }
  return request;
}

std::string format_add_checkpoint_request(const AddCheckpointRequest& request) {
  if (request.consistency_proof.size() > kMaxRequestProofLines)
    fail("add-checkpoint request: more than 63 consistency proof lines");
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const Digest& d : request.consistency_proof) out += base64_encode(d.bytes) + "\n";
  return out + "\n" + request.checkpoint;
}

Witness::Witness(NoteSignerKey key, std::vector<NoteVerifierKey> logs,
                 std::filesystem::path state_file)
    : key_(std::move(key)), logs_(std::move(logs)), state_file_(std::move(state_file)) {
  if (key_.type != NoteKeyType::kCosignatureV1)
    fail("witness key " + key_.name + " is not a cosignature/v1 key");
}

NoteSignature Witness::add_checkpoint(const AddCheckpointRequest& request, std::uint64_t now) {
  const SignedNote note = parse_note(request.checkpoint);
  const std::string origin = parse_checkpoint(note.text).origin;
  const auto log = std::find_if(logs_.begin(), logs_.end(),
                                [&](const NoteVerifierKey& k) { return k.name == origin; });
  if (log == logs_.end()) fail("witness: unknown log origin \"" + origin + "\"");
  const Checkpoint checkpoint = open_checkpoint(request.checkpoint, *log).checkpoint;
  if (request.old_size > checkpoint.size)
    fail("witness: old size " + std::to_string(request.old_size) + " exceeds the checkpoint size " +
         std::to_string(checkpoint.size));

  const StateLock lock(state_file_, LOCK_EX);
  State state = load_state(state_file_);
  const auto recorded = state.find(origin);
  const std::uint64_t witnessed_size = recorded == state.end() ? 0 : recorded->second.size;
  if (request.old_size != witnessed_size)
    fail("witness: conflict: the request starts from size " + std::to_string(request.old_size) +
         " but the latest cosigned checkpoint of " + origin + " has size " +
         std::to_string(witnessed_size));
  if (recorded == state.end()) {
    if (!request.consistency_proof.empty()) fail("witness: a proof from size 0 must be empty");
  } else {
    const Checkpoint& previous = recorded->second;
    if (previous.size == checkpoint.size && previous.root != checkpoint.root)
      fail("witness: fork: " + origin + " signed two different roots at size " +
           std::to_string(checkpoint.size));
    try {
      verify_consistency(previous.size, checkpoint.size, request.consistency_proof, previous.root,
                         checkpoint.root);
    } catch (const Error& e) {
      fail(std::string("witness: ") + e.what());
    }
  }
  state[origin] = {origin, checkpoint.size, checkpoint.root, {}};
  const std::string contents = format_state(state);
  write_file_atomic(
      state_file_,
      ByteSpan(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()), 0600);
  return cosign_note(note.text, key_, now);
}

std::optional<Checkpoint> Witness::latest(std::string_view origin) const {
  const StateLock lock(state_file_, LOCK_SH);
  const State state = load_state(state_file_);
  const auto it = state.find(origin);
  if (it == state.end()) return std::nullopt;
  return it->second;
}

std::string attach_cosignatures(std::string_view signed_checkpoint, std::string_view response,
                                std::span<const NoteVerifierKey> witnesses) {
  SignedNote note = parse_note(signed_checkpoint);
  const SignedNote returned = parse_note(note.text + "\n" + std::string(response));
  SignedNote known{note.text, {}};
  for (const NoteSignature& signature : returned.signatures) {
    const bool from_witness =
        std::any_of(witnesses.begin(), witnesses.end(), [&](const NoteVerifierKey& k) {
          return k.name == signature.name && k.key_id() == signature.key_id;
        });
    if (from_witness) known.signatures.push_back(signature);
  }
  if (known.signatures.empty()) return format_note(note);
  verify_note(known, witnesses);  // every one of them must be valid
  for (const NoteSignature& signature : known.signatures) {
    std::erase_if(note.signatures, [&](const NoteSignature& s) {
      return s.name == signature.name && s.key_id == signature.key_id;
    });
    note.signatures.push_back(signature);
  }
  return format_note(note);
}

}  // namespace zkinfer::audit
