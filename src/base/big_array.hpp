// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <type_traits>

// Large working arrays (codewords, Merkle levels, NTT scratch).
//
// A fresh buffer costs a page fault per 4 KiB page, which on the development
// VM costs more than computing the page (docs/ntt.md: ~100 ms to first touch
// 32 MiB, against ~3 ms with 2 MiB pages). Asking for transparent huge pages
// before the first touch avoids that; it is only a hint, and a no-op where
// the system does not honour it.
namespace zkinfer {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

// Advises huge pages for the 2 MiB-aligned interior of [data, data + bytes).
inline void prefer_huge_pages(const void* data, std::size_t bytes) {
#if defined(MADV_HUGEPAGE)
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const std::uintptr_t end = (start + bytes) & ~(kHugePageBytes - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// An uninitialised array, so that the threads filling it are the first to
// touch its pages; big ones are 2 MiB-aligned and on huge pages. T must be
// an implicit-lifetime type (the raw allocation holds its objects), and every
// element must be written before it is read.
template <class T>
class BigArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  BigArray() = default;
  explicit BigArray(std::size_t n) : size_(n) {
    if (n == 0) return;
    if (n > (std::numeric_limits<std::size_t>::max() - kHugePageBytes) / sizeof(T)) {
      throw std::bad_alloc();
    }
    const std::size_t bytes = n * sizeof(T);
    const std::size_t align = bytes >= 2 * kHugePageBytes ? kHugePageBytes : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (align == kHugePageBytes) prefer_huge_pages(p, rounded);
    data_.reset(static_cast<T*>(p));
  }
  std::span<T> span() { return {data_.get(), size_}; }
  std::span<const T> span() const { return {data_.get(), size_}; }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(T* p) const noexcept { std::free(p); }
  };
  std::size_t size_ = 0;
  std::unique_ptr<T[], Free> data_;
};

}  // namespace zkinfer
