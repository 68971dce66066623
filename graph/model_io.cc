#include "graph/model_io.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/checked_math.h"
#include "base/crc32.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "graph/proto_convert.h"
#include "graph/verifier.h"

namespace anvil {
namespace {

// Protobuf text: nested messages deeper than this are refused (a crafted file could otherwise
// recurse deeply). Our schema nests 4 levels.
constexpr int kTextRecursionLimit = 32;
// Tensors are read in place from the mapping as f32, i64, ...: their offsets must keep them
// naturally aligned, whatever alignment a file asks for.
constexpr uint32_t kMinDataAlignment = 8;

template <typename T>
T ReadLE(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Recognizes files that are not anvil models and says what they look like instead.
std::string DescribeForeignFile(absl::string_view head) {
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(head);
  if (absl::StartsWith(head, "version https://git-lfs.github.com/spec/")) {
    return "is a Git LFS pointer file, not the model itself; fetch the real file with `git lfs pull`";
  }
  if (absl::StartsWithIgnoreCase(trimmed, "<!doctype html") || absl::StartsWithIgnoreCase(trimmed, "<html")) {
    return "is an HTML page, not a model; the download probably saved a web page instead of the file";
  }
  if (absl::StartsWith(head, "GGUF")) {
    return "is a GGUF checkpoint, not an anvil graph; convert it with `anvil convert gguf`";
  }
  if (head.size() >= 9 && head[8] == '{') {
    return "looks like a safetensors checkpoint, not an anvil graph; convert its folder with `anvil convert hf`";
  }
  return "is not an anvil model (no \"ANVLGRPH\" magic, and not a text-form model)";
}

bool LooksLikeText(absl::string_view head) {
  for (unsigned char c : head) {
    if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t')) return false;
  }
  return true;
}

// Collects protobuf text-format parse errors into one message.
class TextErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ", message);
  }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

absl::Status CheckDeclaredOutputs(const proto::GraphProto& p, const Graph& g) {
  for (int i = 0; i < p.outputs_size(); ++i) {
    const proto::ValueInfoProto& out = p.outputs(i);
    if (!out.has_type()) continue;
    ANVIL_ASSIGN_OR_RETURN(TensorType declared, TensorTypeFromProto(out.type()),
                           absl::StrCat("graph output '", out.name(), "'"));
    const TensorType& inferred = g.value(g.outputs()[i]).type;
    if (!(declared == inferred)) {
      return absl::InvalidArgumentError(absl::StrCat("graph output '", out.name(), "' is declared ",
                                                     TensorTypeString(declared), " but computes ",
                                                     TensorTypeString(inferred)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Model> FinishModel(const proto::ModelProto& p, const DataSection* section,
                                  const OpRegistry& registry) {
  ANVIL_ASSIGN_OR_RETURN(Model model, ModelFromProto(p, section));
  ANVIL_RETURN_IF_ERROR(VerifyGraph(model.graph, registry));
  ANVIL_RETURN_IF_ERROR(CheckDeclaredOutputs(p.graph(), model.graph));
  return model;
}

absl::StatusOr<Model> LoadContainer(const std::shared_ptr<const MappedFile>& file,
                                    const OpRegistry& registry, const LoadOptions& options) {
  const uint8_t* base = file->data();
  const uint64_t size = file->size();
  if (size < kContainerHeaderBytes) {
    return absl::DataLossError(absl::StrCat("truncated: ", size, " bytes is shorter than the ",
                                            kContainerHeaderBytes, "-byte header"));
  }
  const uint32_t version = ReadLE<uint32_t>(base + 8);
  const uint32_t flags = ReadLE<uint32_t>(base + 12);
  const uint64_t proto_length = ReadLE<uint64_t>(base + 16);
  if (version != kContainerVersion) {
    return absl::InvalidArgumentError(absl::StrCat("container version ", version,
                                                   " is not supported (this anvil reads version ",
                                                   kContainerVersion, ")"));
  }
  if (flags != 0) return absl::InvalidArgumentError(absl::StrCat("unknown container flags 0x", absl::Hex(flags)));
  if (proto_length > size - kContainerHeaderBytes) {
    return absl::DataLossError(absl::StrCat("truncated: the header announces a ", proto_length,
                                            "-byte model description but only ",
                                            size - kContainerHeaderBytes, " bytes follow"));
  }
  if (proto_length > static_cast<uint64_t>(INT32_MAX)) {
    return absl::InvalidArgumentError("model description over 2 GiB; weights belong in the data section");
  }
  proto::ModelProto p;
  {
    google::protobuf::io::CodedInputStream input(base + kContainerHeaderBytes, static_cast<int>(proto_length));
    const google::protobuf::LogSilencer quiet;  // our error says it; no protobuf log line on stderr
    if (!p.ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
      return absl::DataLossError("the model description (ModelProto) does not parse; the file is damaged");
    }
  }
  const uint32_t alignment = p.data_alignment() == 0 ? kDefaultDataAlignment : p.data_alignment();
  if (!IsPowerOfTwo(alignment) || alignment > kMaxDataAlignment) {
    return absl::InvalidArgumentError(absl::StrCat("data_alignment ", alignment,
                                                   " must be a power of two up to ", kMaxDataAlignment));
  }
  if (alignment < kMinDataAlignment) {
    return absl::InvalidArgumentError(absl::StrCat("data_alignment ", alignment, " is below ", kMinDataAlignment,
                                                   " (tensors read in place must be aligned for their dtype)"));
  }
  const uint64_t data_start = *CheckedAlignUp(kContainerHeaderBytes + proto_length, alignment);
  DataSection section;
  section.owner = file;
  section.alignment = alignment;
  section.data = base + std::min(data_start, size);
  section.size = data_start <= size ? size - data_start : 0;

  if (options.verify_checksum) {
    if (p.checksum().algorithm() != "crc32") {
      return absl::FailedPreconditionError(absl::StrCat("cannot verify: the file records no crc32 checksum",
                                                        p.checksum().algorithm().empty()
                                                            ? ""
                                                            : absl::StrCat(" (it records '", p.checksum().algorithm(), "')")));
    }
    if (p.checksum().data_length() > section.size) {
      return absl::DataLossError(absl::StrCat("truncated: the checksum covers ", p.checksum().data_length(),
                                              " data bytes but the data section holds ", section.size));
    }
    // In 64 MiB pieces so a progress line can follow a multi-gigabyte check.
    const uint64_t total = p.checksum().data_length();
    uint32_t actual = 0;
    for (uint64_t at = 0; at < total;) {
      const uint64_t n = std::min<uint64_t>(total - at, uint64_t{64} << 20);
      actual = Crc32Update(actual, section.data + at, n);
      at += n;
      if (options.progress) options.progress(at, total);
    }
    if (actual != p.checksum().value()) {
      return absl::DataLossError(absl::StrFormat(
          "data checksum mismatch: the file records crc32 %08x, the data has %08x (the file is damaged)",
          p.checksum().value(), actual));
    }
  }
  ANVIL_ASSIGN_OR_RETURN(Model model, FinishModel(p, &section, registry));
  model.data_section = section.data;
  model.data_section_bytes = section.size;
  return model;
}

}  // namespace

absl::StatusOr<Model> ParseModelText(absl::string_view text, absl::string_view label,
                                     const OpRegistry& registry) {
  proto::ModelProto p;
  google::protobuf::TextFormat::Parser parser;
  TextErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(kTextRecursionLimit);
  google::protobuf::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &p)) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": text-form model does not parse: ", errors.first()));
  }
  auto model = FinishModel(p, nullptr, registry);
  if (!model.ok()) return Annotate(model.status(), label);
  model->source_path = std::string(label);
  model->text_form = true;
  return model;
}

absl::StatusOr<Model> LoadModel(const std::string& path, const OpRegistry& registry,
                                const LoadOptions& options) {
  ANVIL_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  const absl::string_view head(reinterpret_cast<const char*>(file->data()),
                              std::min<size_t>(file->size(), 512));
  if (file->size() == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": file is empty"));
  if (head.size() >= 8 && std::memcmp(head.data(), kGraphMagic, 8) == 0) {
    auto model = LoadContainer(file, registry, options);
    if (!model.ok()) return Annotate(model.status(), path);
    model->source_path = path;
    return model;
  }
  if (std::string description = DescribeForeignFile(head); description.rfind("is not", 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, " ", description));
  }
  if (head.size() < 8 && absl::string_view(kGraphMagic, 8).substr(0, head.size()) == head) {
    return absl::DataLossError(absl::StrCat(path, ": truncated: ", head.size(), " bytes of the anvil header"));
  }
  const bool named_as_text = absl::EndsWith(path, ".pbtxt") || absl::EndsWith(path, ".textproto");
  if (!named_as_text && !LooksLikeText(head)) {
    return absl::InvalidArgumentError(absl::StrCat(path, " ", DescribeForeignFile(head)));
  }
  if (file->size() > static_cast<size_t>(INT32_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": text-form model over 2 GiB"));
  }
  if (options.verify_checksum) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": a text-form model has no data checksum"));
  }
  const absl::string_view text(reinterpret_cast<const char*>(file->data()), file->size());
  auto model = ParseModelText(text, path, registry);
  if (!model.ok() && !named_as_text && absl::StrContains(model.status().message(), "does not parse")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, " is not an anvil model (no \"ANVLGRPH\" magic, and it does not parse as a text-form model: ",
        model.status().message().substr(model.status().message().find("parse: ") + 7), ")"));
  }
  return model;
}

absl::Status SaveModel(const Model& model, const std::string& path, const SaveOptions& options) {
  const uint32_t alignment = model.data_alignment == 0 ? kDefaultDataAlignment : model.data_alignment;
  if (!IsPowerOfTwo(alignment) || alignment > kMaxDataAlignment) {
    return absl::InvalidArgumentError(absl::StrCat("data_alignment ", alignment, " must be a power of two"));
  }
  const std::vector<ValueId> inits = model.graph.initializers();
  std::vector<TensorPlacement> placements(inits.size());
  uint64_t cursor = 0;
  for (size_t i = 0; i < inits.size(); ++i) {
    cursor = *CheckedAlignUp(cursor, alignment);
    placements[i] = {cursor, model.graph.value(inits[i]).data.size()};
    cursor += placements[i].length;
  }
  const uint64_t data_length = cursor;
  // The checksum covers the data section exactly as written, padding included.
  uint32_t crc = 0;
  {
    static const uint8_t kZeros[4096] = {};
    uint64_t at = 0;
    for (size_t i = 0; i < inits.size(); ++i) {
      for (uint64_t pad = placements[i].offset - at; pad > 0;) {
        const uint64_t n = std::min<uint64_t>(pad, sizeof(kZeros));
        crc = Crc32Update(crc, kZeros, n);
        pad -= n;
      }
      const TensorData& data = model.graph.value(inits[i]).data;
      crc = Crc32Update(crc, data.data(), data.size());
      at = placements[i].offset + placements[i].length;
    }
  }
  proto::ModelProto p = ModelToProto(model, &placements);
  p.set_data_alignment(alignment);
  p.mutable_checksum()->set_algorithm("crc32");
  p.mutable_checksum()->set_value(static_cast<uint32_t>(crc));
  p.mutable_checksum()->set_data_length(data_length);

  std::string serialized;
  {
    google::protobuf::io::StringOutputStream stream(&serialized);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!p.SerializeToCodedStream(&coded)) return absl::InternalError("ModelProto does not serialize");
  }
  ANVIL_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::Create(path));
  uint8_t header[kContainerHeaderBytes];
  std::memcpy(header, kGraphMagic, 8);
  const uint32_t version = kContainerVersion, flags = 0;
  const uint64_t length = serialized.size();
  std::memcpy(header + 8, &version, 4);
  std::memcpy(header + 12, &flags, 4);
  std::memcpy(header + 16, &length, 8);
  ANVIL_RETURN_IF_ERROR(writer->Write(header, sizeof(header)));
  ANVIL_RETURN_IF_ERROR(writer->Write(serialized.data(), serialized.size()));
  const uint64_t data_start = *CheckedAlignUp(writer->bytes_written(), alignment);
  ANVIL_RETURN_IF_ERROR(writer->WriteZeros(data_start - writer->bytes_written()));
  for (size_t i = 0; i < inits.size(); ++i) {
    ANVIL_RETURN_IF_ERROR(writer->WriteZeros(data_start + placements[i].offset - writer->bytes_written()));
    const TensorData& data = model.graph.value(inits[i]).data;
    ANVIL_RETURN_IF_ERROR(writer->Write(data.data(), data.size()));
    if (options.progress) options.progress(placements[i].offset + placements[i].length, data_length);
  }
  return writer->Commit();
}

std::string ModelToText(const Model& model) {
  proto::ModelProto p = ModelToProto(model, nullptr);
  p.clear_checksum();
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.PrintToString(p, &text);
  return text;
}

absl::Status SaveModelText(const Model& model, const std::string& path) {
  return WriteFileAtomically(path, ModelToText(model));
}

}  // namespace anvil
