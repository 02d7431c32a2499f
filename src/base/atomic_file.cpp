// SPDX-License-Identifier: Apache-2.0
#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "base/os_random.hpp"

namespace zkinfer {
namespace {

std::filesystem::path parent_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : ".";
}

[[noreturn]] void fail_errno(const std::string& action, const std::filesystem::path& path) {
  fail(action + " " + path.string() + ": " + std::strerror(errno));
}

// Closes on every path out of the writer, so an Error never leaks a descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

void write_all(int fd, ByteSpan data, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

// A new temporary file beside `path` holding `data`, fsync'd if asked.
std::filesystem::path write_temporary(const std::filesystem::path& path, ByteSpan data, mode_t mode,
                                      bool sync) {
  // Built by appending: GCC 12 reports a false -Wrestrict on "." + std::string.
  std::string temp_name = ".";
  temp_name += path.filename().string();
  temp_name += ".tmp-";
  temp_name += std::to_string(os_random_u64());
  const std::filesystem::path temp = parent_of(path) / temp_name;
  FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) fail_errno("cannot create", temp);
  try {
    // open() applies the umask; set the mode exactly (0600 stays 0600, 0644 is not narrowed).
    if (::fchmod(fd.get(), mode) != 0) fail_errno("cannot chmod", temp);
    write_all(fd.get(), data, temp);
    if (sync && ::fsync(fd.get()) != 0) fail_errno("cannot fsync", temp);
    if (::close(fd.release()) != 0) fail_errno("cannot close", temp);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  return temp;
}

void rename_into_place(const std::filesystem::path& temp, const std::filesystem::path& path) {
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail_errno("cannot rename into", path);
  }
}

// fsync on a directory makes the renames inside it durable; syncfs flushes
// everything on the filesystem holding it.
void sync_directory(const std::filesystem::path& dir, bool whole_filesystem) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno("cannot open directory", dir);
  if ((whole_filesystem ? ::syncfs(fd.get()) : ::fsync(fd.get())) != 0)
    fail_errno("cannot sync", dir);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, ByteSpan data, mode_t mode) {
  rename_into_place(write_temporary(path, data, mode, true), path);
  sync_directory(parent_of(path), false);
}

AtomicBatch::~AtomicBatch() {
  for (const auto& [temp, final_path] : staged_) ::unlink(temp.c_str());
}

void AtomicBatch::stage(const std::filesystem::path& path, ByteSpan data, mode_t mode) {
  staged_.emplace_back(write_temporary(path, data, mode, false), path);
}

void AtomicBatch::commit() {
  if (staged_.empty()) return;
  const std::filesystem::path any_dir = parent_of(staged_.front().second);
  sync_directory(any_dir, true);  // every temporary's content is durable ...
  while (!staged_.empty()) {
    rename_into_place(staged_.back().first, staged_.back().second);
    staged_.pop_back();
  }
  sync_directory(any_dir, true);  // ... before any rename, and the renames after
}

Bytes read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail_errno("cannot open", path);
  Bytes out;
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot read", path);
    }
    if (n == 0) return out;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes)
      fail(path.string() + ": larger than " + std::to_string(max_bytes) + " bytes");
    out.insert(out.end(), buffer, buffer + n);
  }
}

}  // namespace zkinfer
