// Tensor types of the IR: a dtype and a shape whose dims are sizes or symbols.
//
// Symbols: "T" = tokens in this step (decode: 1), "C" = KV-cache capacity of the session. Both are
// bound when an executor specializes a graph; the position P (tokens already cached) is a runtime
// value read by rope / kv_cache_write / attention and never appears in a shape.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/dtype.h"

namespace anvil {

inline constexpr char kTokensSymbol[] = "T";
inline constexpr char kCapacitySymbol[] = "C";

struct Dim {
  int64_t size = 0;    // used when symbol is empty
  std::string symbol;  // non-empty: a symbolic dim

  static Dim Fixed(int64_t size) { return Dim{size, ""}; }
  static Dim Symbol(std::string symbol) { return Dim{0, std::move(symbol)}; }
  bool is_symbolic() const { return !symbol.empty(); }
  friend bool operator==(const Dim& a, const Dim& b) {
    return a.symbol == b.symbol && (a.is_symbolic() || a.size == b.size);
  }
};

using Shape = std::vector<Dim>;

struct TensorType {
  DType dtype = DType::kF32;
  Shape shape;
  friend bool operator==(const TensorType& a, const TensorType& b) {
    return a.dtype == b.dtype && a.shape == b.shape;
  }
};

// Values bound to symbols ("T" -> 7, "C" -> 512).
using SymbolBindings = std::map<std::string, int64_t>;

std::string DimString(const Dim& dim);
std::string ShapeString(const Shape& shape);           // "[T,64]"
std::string TensorTypeString(const TensorType& type);  // "f32[T,64]"
std::string DimsString(const std::vector<int64_t>& dims);  // "[3,64]"

Shape FixedShape(const std::vector<int64_t>& dims);
bool IsFixed(const Shape& shape);

// Concrete dims with every symbol replaced from `bindings`; an unbound symbol is an error.
absl::StatusOr<std::vector<int64_t>> BindShape(const Shape& shape, const SymbolBindings& bindings);

// Number of elements of concrete dims (no overflow check: dims were validated on load).
int64_t NumElements(absl::Span<const int64_t> dims);

}  // namespace anvil
