// ScratchVector<T>: a std::vector whose resize leaves new elements of trivial types
// uninitialized, for kernel scratch that is written in full before it is read. Prefill binds its
// kernels on every step (executors/cpu/cpu_executor.cc), so a zero-filled std::vector scratch
// costs a memset per bind: ~200 MB per tinyllama-1.1b pp128 step (2% of it, `perf`).
#pragma once

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace anvil {

// std::allocator, except that value-initialization (construct with no arguments) is
// default-initialization: a no-op for trivial types.
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
