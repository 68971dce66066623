// Reading and writing anvil models: the `.graph` container (graph + mmapped weights in one file)
// and the `.pbtxt` text form (ModelProto in protobuf text format with inline tensor data).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

inline constexpr char kGraphMagic[8] = {'A', 'N', 'V', 'L', 'G', 'R', 'P', 'H'};
inline constexpr uint32_t kContainerVersion = 1;
inline constexpr size_t kContainerHeaderBytes = 24;  // magic, version, flags, length
inline constexpr uint32_t kDefaultDataAlignment = 64;
inline constexpr uint32_t kMaxDataAlignment = 1u << 20;

struct LoadOptions {
  // Read every byte of the data section and check its CRC32 against the stored checksum.
  bool verify_checksum = false;
  // Called with (bytes checked, bytes to check) while verifying.
  std::function<void(uint64_t, uint64_t)> progress;
};

struct SaveOptions {
  // Called with (bytes written, bytes to write) while writing tensors.
  std::function<void(uint64_t, uint64_t)> progress;
};

// Loads a `.graph` (detected by its magic) or a `.pbtxt` file and verifies it. Weights of a
// `.graph` stay in the read-only mapping (zero copy). Every error starts with the path and names
// what was wrong; files that are clearly something else (a Git LFS pointer, an HTML page, a GGUF
// or safetensors checkpoint) are named as such.
absl::StatusOr<Model> LoadModel(const std::string& path, const OpRegistry& registry,
                                const LoadOptions& options = {});

// Parses a text-form model held in memory; `label` prefixes error messages.
absl::StatusOr<Model> ParseModelText(absl::string_view text, absl::string_view label,
                                     const OpRegistry& registry);

// Writes `model` as a `.graph` container: tensors in initializer order, each aligned to
// model.data_alignment, CRC32 of the data section recorded. Deterministic: the same model gives
// the same bytes. Written atomically (temporary file + rename).
absl::Status SaveModel(const Model& model, const std::string& path, const SaveOptions& options = {});

// The text form of `model` (tensor data inline).
std::string ModelToText(const Model& model);
absl::Status SaveModelText(const Model& model, const std::string& path);


}  // namespace anvil
