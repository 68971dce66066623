#include "models/importers/llama2c.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "models/llama_family.h"

namespace anvil {
namespace {

constexpr int64_t kHeaderBytes = 7 * 4;

// Reads little-endian values from a byte range, failing cleanly at its end.
class Reader {
 public:
  Reader(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  bool Read(void* out, uint64_t n) {
    if (n > size_ - at_) return false;
    std::memcpy(out, data_ + at_, n);
    at_ += n;
    return true;
  }
  uint64_t at() const { return at_; }
  uint64_t remaining() const { return size_ - at_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t at_ = 0;
};

}  // namespace

absl::StatusOr<TokenizerData> ReadLlama2cTokenizer(const std::string& path, int64_t vocab_size) {
  if (vocab_size <= 0 || vocab_size > kMaxVocabularySize) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a vocabulary of ", vocab_size, " pieces is outside 1..",
                                                   kMaxVocabularySize));
  }
  ANVIL_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  Reader r(file->data(), file->size());
  int32_t max_length;
  if (!r.Read(&max_length, 4)) return absl::DataLossError(absl::StrCat(path, ": truncated tokenizer (no header)"));
  if (max_length <= 0 || max_length > 1 << 16) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": max_token_length ", max_length,
                                                   " is implausible; is this a llama2.c tokenizer.bin?"));
  }
  TokenizerData t;
  t.type = "llama2c";
  t.bos_id = 1;
  t.eos_id = 2;
  t.unk_id = 0;
  t.add_bos = true;
  t.max_piece_length = max_length;
  // Every piece takes at least 8 bytes (score and length): reserve no more than the file can hold.
  const uint64_t fit = std::min<uint64_t>(static_cast<uint64_t>(vocab_size), r.remaining() / 8);
  t.pieces.reserve(fit);
  t.scores.reserve(fit);
  for (int64_t i = 0; i < vocab_size; ++i) {
    float score;
    int32_t length;
    if (!r.Read(&score, 4) || !r.Read(&length, 4)) {
      return absl::DataLossError(absl::StrCat(path, ": truncated at piece ", i, " of ", vocab_size,
                                              " (the model's vocab size)"));
    }
    if (length < 0 || length > max_length || static_cast<uint64_t>(length) > r.remaining()) {
      return absl::DataLossError(absl::StrCat(path, ": piece ", i, " has length ", length,
                                              length > max_length ? absl::StrCat(" (max_token_length is ", max_length, ")")
                                                                  : " past the end of the file"));
    }
    std::string piece(length, '\0');
    r.Read(piece.data(), length);
    t.pieces.push_back(std::move(piece));
    t.scores.push_back(score);
  }
  if (r.remaining() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": holds more than ", vocab_size,
                                                   " pieces (the model's vocab size); is it this model's tokenizer?"));
  }
  return t;
}

absl::StatusOr<Model> ImportLlama2c(const std::string& checkpoint_path, const std::string& tokenizer_path) {
  ANVIL_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(checkpoint_path));
  int32_t header[7];
  if (file->size() < kHeaderBytes) {
    return absl::DataLossError(absl::StrCat(checkpoint_path, ": truncated: ", file->size(),
                                            " bytes is shorter than the 28-byte llama2.c header"));
  }
  std::memcpy(header, file->data(), kHeaderBytes);
  const int64_t dim = header[0], hidden = header[1], layers = header[2], heads = header[3], kv_heads = header[4];
  const bool tied = header[5] > 0;
  const int64_t vocab = header[5] < 0 ? -static_cast<int64_t>(header[5]) : header[5];
  const int64_t seq_len = header[6];

  ModelConfig c;
  c.family = "llama";
  c.vocab_size = vocab;
  c.hidden_size = dim;
  c.intermediate_size = hidden;
  c.num_layers = layers;
  c.num_heads = heads;
  c.num_kv_heads = kv_heads;
  c.head_dim = heads > 0 ? dim / heads : 0;
  c.rope_theta = 10000.0;
  c.rope_layout = "interleaved";
  c.rms_norm_eps = 1e-5;
  c.tie_embeddings = tied;
  c.bos_ids = {1};
  // run.c ends a story at BOS (sequences are BOS-delimited); EOS is 2.
  c.eos_ids = {2, 1};
  c.max_context = seq_len;
  if (heads <= 0 || dim % heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat(checkpoint_path, ": header dim ", dim, " is not a multiple of n_heads ",
                                                   heads, "; is this a llama2.c checkpoint?"));
  }
  ANVIL_RETURN_IF_ERROR(ValidateLlamaConfig(c), absl::StrCat(checkpoint_path, " (llama2.c header)"));

  // Tensor order of llama2.c's legacy export, with sizes in floats.
  const int64_t kv_dim = kv_heads * c.head_dim;
  const uint8_t* base = file->data() + kHeaderBytes;
  const uint64_t available = file->size() - kHeaderBytes;
  uint64_t offset = 0;
  WeightMap weights;
  absl::Status status;
  auto take = [&](uint64_t floats) -> const uint8_t* {
    auto bytes = CheckedMul(floats, 4);
    auto end = bytes ? CheckedAdd(offset, *bytes) : std::nullopt;
    if (!end || *end > available) {
      if (status.ok()) {
        status = absl::DataLossError(absl::StrCat(checkpoint_path, ": truncated: the header describes more weights than the ",
                                                  file->size(), "-byte file holds"));
      }
      return nullptr;
    }
    const uint8_t* p = base + offset;
    offset = *end;
    return p;
  };
  auto add = [&](const std::string& name, std::vector<int64_t> dims, const uint8_t* p) {
    if (p == nullptr) return;
    const uint64_t bytes = static_cast<uint64_t>(NumElements(dims)) * 4;
    weights[name] = WeightTensor{DType::kF32, std::move(dims), TensorData::View(file, p, bytes)};
  };
  // Per-kind blocks hold all layers back to back.
  auto per_layer = [&](const std::string& suffix, std::vector<int64_t> dims) {
    const uint64_t each = static_cast<uint64_t>(NumElements(dims));
    const uint8_t* block = take(each * layers);
    for (int64_t l = 0; l < layers && block != nullptr; ++l) {
      add(absl::StrCat("blk.", l, ".", suffix), dims, block + l * each * 4);
    }
  };
  add("token_embd.weight", {vocab, dim}, take(static_cast<uint64_t>(vocab) * dim));
  per_layer("attn_norm.weight", {dim});
  per_layer("attn_q.weight", {heads * c.head_dim, dim});
  per_layer("attn_k.weight", {kv_dim, dim});
  per_layer("attn_v.weight", {kv_dim, dim});
  per_layer("attn_output.weight", {dim, heads * c.head_dim});
  per_layer("ffn_norm.weight", {dim});
  per_layer("ffn_gate.weight", {hidden, dim});  // w1
  per_layer("ffn_down.weight", {dim, hidden});  // w2
  per_layer("ffn_up.weight", {hidden, dim});    // w3
  add("output_norm.weight", {dim}, take(dim));
  take(static_cast<uint64_t>(seq_len) * c.head_dim);  // freq_cis_real and freq_cis_imag (unused)
  if (!tied) add("output.weight", {vocab, dim}, take(static_cast<uint64_t>(vocab) * dim));
  ANVIL_RETURN_IF_ERROR(status);

  ANVIL_ASSIGN_OR_RETURN(Model model, BuildLlamaModel(c, std::move(weights)), checkpoint_path);
  model.producer = "anvil convert llama2c";
  model.graph.name = "llama2c";
  ANVIL_ASSIGN_OR_RETURN(model.tokenizer, ReadLlama2cTokenizer(tokenizer_path, vocab));
  model.metadata.emplace_back("source", "llama2.c checkpoint");
  return model;
}

}  // namespace anvil
