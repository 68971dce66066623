#include "graph/shape.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace anvil {

std::string DimString(const Dim& dim) {
  return dim.is_symbolic() ? dim.symbol : absl::StrCat(dim.size);
}

std::string ShapeString(const Shape& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ",", [](std::string* out, const Dim& d) {
                        out->append(DimString(d));
                      }),
                      "]");
}

std::string TensorTypeString(const TensorType& type) {
  return absl::StrCat(DTypeName(type.dtype), ShapeString(type.shape));
}

std::string DimsString(const std::vector<int64_t>& dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

Shape FixedShape(const std::vector<int64_t>& dims) {
  Shape shape;
  shape.reserve(dims.size());
  for (int64_t d : dims) shape.push_back(Dim::Fixed(d));
  return shape;
}

bool IsFixed(const Shape& shape) {
  for (const Dim& d : shape) {
    if (d.is_symbolic()) return false;
  }
  return true;
}

absl::StatusOr<std::vector<int64_t>> BindShape(const Shape& shape, const SymbolBindings& bindings) {
  std::vector<int64_t> dims;
  dims.reserve(shape.size());
  for (const Dim& d : shape) {
    if (!d.is_symbolic()) {
      dims.push_back(d.size);
      continue;
    }
    auto it = bindings.find(d.symbol);
    if (it == bindings.end()) {
      return absl::InvalidArgumentError(absl::StrCat("symbol '", d.symbol, "' in shape ",
                                                     ShapeString(shape), " is not bound"));
    }
    dims.push_back(it->second);
  }
  return dims;
}

int64_t NumElements(absl::Span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace anvil
