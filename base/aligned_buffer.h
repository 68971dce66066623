// A zero-initialized, 64-byte aligned heap buffer (RAII). Activation arenas and KV caches.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/huge_pages.h"

namespace anvil {

// This machine's physical memory in bytes (0 when unknown).
inline uint64_t PhysicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

// Sizes come from model files: a buffer larger than physical memory is refused up front (ok() is
// false) rather than allocated and zero-filled until the kernel's OOM killer ends the process.
// Buffers of 2 MiB and more are 2 MiB aligned and ask for transparent huge pages
// (base/huge_pages.h).
class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 64;

  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size) : size_(size) {
    if (size == 0) return;
    if (const uint64_t physical = PhysicalMemoryBytes(); physical != 0 && size > physical) return;
    const size_t align = size >= kHugePageBytes ? kHugePageBytes : kAlignment;
    const size_t rounded = (size + align - 1) / align * align;
    data_.reset(static_cast<uint8_t*>(std::aligned_alloc(align, rounded)));
    if (!data_) return;
    if (align == kHugePageBytes) AdviseHugePages(data_.get(), rounded);
    std::memset(data_.get(), 0, rounded);
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  // False when the allocation failed (size > 0 but no memory).
  bool ok() const { return size_ == 0 || data_ != nullptr; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], Free> data_;
  size_t size_ = 0;
};

}  // namespace anvil
