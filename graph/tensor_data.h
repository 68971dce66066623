// The bytes of a constant tensor (an initializer). Either a view into a read-only mapping of the
// model file (zero copy; the mapping is kept alive by `owner`) or a buffer the tensor owns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "base/aligned_buffer.h"

namespace anvil {

class TensorData {
 public:
  TensorData() = default;
  static TensorData Owned(std::vector<uint8_t> bytes);
  // Owned bytes in an aligned buffer (huge pages when large: weights built in memory stream
  // faster from them).
  static TensorData Owned(AlignedBuffer bytes);
  static TensorData View(std::shared_ptr<const void> owner, const uint8_t* data, size_t size) {
    return TensorData(std::move(owner), data, size);
  }

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // The object that keeps the bytes alive (a MappedFile, or the owned buffer).
  const std::shared_ptr<const void>& owner() const { return owner_; }

 private:
  TensorData(std::shared_ptr<const void> owner, const uint8_t* data, size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

inline TensorData TensorData::Owned(std::vector<uint8_t> bytes) {
  auto buffer = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  const uint8_t* data = buffer->data();
  const size_t size = buffer->size();
  return TensorData(std::move(buffer), data, size);
}

inline TensorData TensorData::Owned(AlignedBuffer bytes) {
  auto buffer = std::make_shared<const AlignedBuffer>(std::move(bytes));
  const uint8_t* data = buffer->data();
  const size_t size = buffer->size();
  return TensorData(std::move(buffer), data, size);
}

}  // namespace anvil
