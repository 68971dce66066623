// ScratchVector<T>: a std::vector whose resize leaves new elements of trivial types
// uninitialized, for kernel scratch that is written in full before it is read. Prefill binds its
// kernels on every step (executors/cpu/cpu_executor.cc), so a zero-filled std::vector scratch
// costs a memset per bind: ~200 MB per tinyllama-1.1b pp128 step (2% of it, `perf`).
// Buffers of kHugeScratchBytes and more are 2 MiB aligned and ask for transparent huge pages
// (base/huge_pages.h): a long prompt's interleaved activation is tens of MiB that the prefill
// GEMM walks tile by tile. Not smaller ones: prefill scratch is allocated per step, and from
// 2 MiB up (pp128's 2.75 MiB activation for the down projection, rounded to 4 MiB of huge pages
// faulted in every step) `anvil bench` pp128 bf16 measured 134.5-140.9 tok/s against 140.6-144.6
// without huge pages and 141.1-143.6 from 8 MiB up (alternated 3 times).
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/huge_pages.h"

namespace anvil {

inline constexpr size_t kHugeScratchBytes = size_t{8} << 20;

// std::allocator, except that value-initialization (construct with no arguments) is
// default-initialization: a no-op for trivial types; and big buffers as above.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  using value_type = T;
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };

  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n * sizeof(T) < kHugeScratchBytes) return std::allocator<T>::allocate(n);
    const size_t bytes = HugePageRounded(n * sizeof(T));
    void* p = ::operator new(bytes, std::align_val_t{kHugePageBytes});
    AdviseHugePages(p, bytes);
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugeScratchBytes) return std::allocator<T>::deallocate(p, n);
    ::operator delete(p, std::align_val_t{kHugePageBytes});
  }

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

template <typename T>
using ScratchVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace anvil
