#include "graph/op_def.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace anvil {

std::string DTypeSet::ToString() const {
  std::vector<absl::string_view> names;
  for (DType d : kAllDTypes) {
    if (Contains(d)) names.push_back(DTypeName(d));
  }
  return absl::StrJoin(names, "|");
}

std::string InferContext::InputLabel(int i) const {
  if (!has_input(i)) return absl::StrCat("input ", i);
  return absl::StrCat("input ", i, " '", input_value(i).name, "'");
}

absl::Status InferContext::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(std::string(message));
}

absl::Status InferContext::ExpectRank(int i, size_t rank) const {
  const Shape& shape = input(i).shape;
  if (shape.size() == rank) return absl::OkStatus();
  return Error(absl::StrCat(InputLabel(i), " has shape ", ShapeString(shape), ", expected rank ", rank));
}

absl::Status InferContext::ExpectDim(int i, size_t axis, const Dim& dim) const {
  const Shape& shape = input(i).shape;
  if (axis < shape.size() && shape[axis] == dim) return absl::OkStatus();
  return Error(absl::StrCat(InputLabel(i), " has shape ", ShapeString(shape), ", expected dim ",
                            axis, " to be ", DimString(dim)));
}

absl::Status InferContext::ExpectShape(int i, const Shape& shape) const {
  if (input(i).shape == shape) return absl::OkStatus();
  return Error(absl::StrCat(InputLabel(i), " has shape ", ShapeString(input(i).shape),
                            ", expected ", ShapeString(shape)));
}

absl::Status InferContext::ExpectDType(int i, DType dtype) const {
  if (input(i).dtype == dtype) return absl::OkStatus();
  return Error(absl::StrCat(InputLabel(i), " has dtype ", DTypeName(input(i).dtype), ", expected ",
                            DTypeName(dtype)));
}

absl::Status OpRegistry::Register(OpDef def) {
  if (def.name.empty() || !def.infer) {
    return absl::InvalidArgumentError(absl::StrCat("op '", def.name, "' needs a name and inference"));
  }
  const std::string name = def.name;
  if (!ops_.try_emplace(name, std::make_unique<OpDef>(std::move(def))).second) {
    return absl::AlreadyExistsError(absl::StrCat("op '", name, "' is registered twice"));
  }
  return absl::OkStatus();
}

const OpDef* OpRegistry::Find(absl::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<const OpDef*> OpRegistry::All() const {
  std::vector<const OpDef*> all;
  for (const auto& [name, def] : ops_) all.push_back(def.get());
  return all;
}

}  // namespace anvil
