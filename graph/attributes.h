// Node attributes as stored in the IR and on disk. Ops read them into their own typed attribute
// structs (e.g. RmsNormAttrs) once, through the typed getters below; kernels never see this map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace anvil {

enum class AttrType { kInt, kFloat, kString, kInts, kFloats };

using AttrValue =
    std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

const char* AttrTypeName(AttrType type);
AttrType AttrTypeOf(const AttrValue& value);
std::string AttrValueString(const AttrValue& value);  // "1e-05", "\"half\"", "[1,2,3]"

class Attributes {
 public:
  void Set(std::string name, AttrValue value) { values_[std::move(name)] = std::move(value); }
  bool Has(absl::string_view name) const { return values_.find(name) != values_.end(); }
  const AttrValue* Find(absl::string_view name) const;
  const std::map<std::string, AttrValue, std::less<>>& values() const { return values_; }
  bool empty() const { return values_.empty(); }

  // Typed reads. A missing attribute returns `fallback`; a present one of another type is an
  // error naming the attribute. An int attribute is accepted where a float is asked for.
  absl::StatusOr<int64_t> GetInt(absl::string_view name, int64_t fallback) const;
  absl::StatusOr<double> GetFloat(absl::string_view name, double fallback) const;
  absl::StatusOr<std::string> GetString(absl::string_view name, std::string fallback) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(absl::string_view name) const;  // missing: empty
  absl::StatusOr<int64_t> RequireInt(absl::string_view name) const;

  friend bool operator==(const Attributes& a, const Attributes& b) { return a.values_ == b.values_; }

 private:
  std::map<std::string, AttrValue, std::less<>> values_;
};

}  // namespace anvil
