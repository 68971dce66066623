// Conversion between the on-disk ModelProto and the IR. Internal to graph/ serialization.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/anvil.pb.h"
#include "graph/graph.h"

namespace anvil {

// Where external tensor bytes live: the data section of a mapped `.graph` file.
struct DataSection {
  std::shared_ptr<const void> owner;  // keeps `data` alive
  const uint8_t* data = nullptr;
  uint64_t size = 0;
  uint32_t alignment = 64;
};

absl::StatusOr<TensorType> TensorTypeFromProto(const proto::TensorTypeProto& p);

// Builds the IR from a parsed ModelProto. Tensor data is referenced in place in `section` (no
// copy) or copied from inline fields. Checks names, references, offsets and byte lengths; does not
// run shape inference (the verifier does). Errors name the element: "initializer 'w': ...".
absl::StatusOr<Model> ModelFromProto(const proto::ModelProto& proto, const DataSection* section);

// Where each initializer goes when writing a `.graph`: (offset, length) in the data section, in
// the order of `Graph::initializers()`.
struct TensorPlacement {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool external = true;  // false: write this tensor's bytes inline (raw_data)
};

// Converts the IR to a ModelProto. With `placements`, initializers are external references;
// without, their bytes are written inline (text form: f32 as float_data, i32/i64 as int_data,
// others as raw_data).
proto::ModelProto ModelToProto(const Model& model, const std::vector<TensorPlacement>* placements);

}  // namespace anvil
