#include "graph/attributes.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace anvil {
namespace {

std::string FormatDouble(double v) { return absl::StrFormat("%.9g", v); }

absl::Status WrongType(absl::string_view name, AttrType want, const AttrValue& got) {
  return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' must be ",
                                                 AttrTypeName(want), ", got ",
                                                 AttrTypeName(AttrTypeOf(got))));
}

}  // namespace

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt: return "int";
    case AttrType::kFloat: return "float";
    case AttrType::kString: return "string";
    case AttrType::kInts: return "ints";
    case AttrType::kFloats: return "floats";
  }
  return "?";
}

AttrType AttrTypeOf(const AttrValue& value) { return static_cast<AttrType>(value.index()); }

std::string AttrValueString(const AttrValue& value) {
  switch (AttrTypeOf(value)) {
    case AttrType::kInt: return absl::StrCat(std::get<int64_t>(value));
    case AttrType::kFloat: return FormatDouble(std::get<double>(value));
    case AttrType::kString: return absl::StrCat("\"", absl::CEscape(std::get<std::string>(value)), "\"");
    case AttrType::kInts: return absl::StrCat("[", absl::StrJoin(std::get<std::vector<int64_t>>(value), ","), "]");
    case AttrType::kFloats: {
      const auto& v = std::get<std::vector<double>>(value);
      return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* out, double d) {
                            out->append(FormatDouble(d));
                          }),
                          "]");
    }
  }
  return "?";
}

const AttrValue* Attributes::Find(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

absl::StatusOr<int64_t> Attributes::GetInt(absl::string_view name, int64_t fallback) const {
  const AttrValue* v = Find(name);
  if (v == nullptr) return fallback;
  if (const auto* i = std::get_if<int64_t>(v)) return *i;
  return WrongType(name, AttrType::kInt, *v);
}

absl::StatusOr<double> Attributes::GetFloat(absl::string_view name, double fallback) const {
  const AttrValue* v = Find(name);
  if (v == nullptr) return fallback;
  if (const auto* f = std::get_if<double>(v)) return *f;
  if (const auto* i = std::get_if<int64_t>(v)) return static_cast<double>(*i);
  return WrongType(name, AttrType::kFloat, *v);
}

absl::StatusOr<std::string> Attributes::GetString(absl::string_view name, std::string fallback) const {
  const AttrValue* v = Find(name);
  if (v == nullptr) return fallback;
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return WrongType(name, AttrType::kString, *v);
}

absl::StatusOr<std::vector<int64_t>> Attributes::GetInts(absl::string_view name) const {
  const AttrValue* v = Find(name);
  if (v == nullptr) return std::vector<int64_t>{};
  if (const auto* s = std::get_if<std::vector<int64_t>>(v)) return *s;
  return WrongType(name, AttrType::kInts, *v);
}

absl::StatusOr<int64_t> Attributes::RequireInt(absl::string_view name) const {
  if (!Has(name)) return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' is required"));
  return GetInt(name, 0);
}

}  // namespace anvil
