#include "graph/capture.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/hash.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"
#include "graph/model_io.h"
#include "graph/proto_convert.h"
#include "graph/verifier.h"

namespace anvil {
namespace {

constexpr size_t kHeaderBytes = 24;
// A replay allocates KV caches of `capacity` positions: the same bound models have on max_context.
constexpr int64_t kMaxCapacity = int64_t{1} << 24;

absl::StatusOr<proto::CaptureProto> ParseCaptureFile(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  const uint8_t* base = file->data();
  const uint64_t size = file->size();
  if (size < 8 || std::memcmp(base, kCaptureMagic, 8) != 0) {
    if (size >= 8 && std::memcmp(base, kGraphMagic, 8) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is a .graph model, not a .capture file"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a .capture file (no \"ANVLCAPT\" magic)"));
  }
  if (size < kHeaderBytes) return absl::DataLossError(absl::StrCat(path, ": truncated capture header"));
  uint32_t version, flags;
  uint64_t length;
  std::memcpy(&version, base + 8, 4);
  std::memcpy(&flags, base + 12, 4);
  std::memcpy(&length, base + 16, 8);
  if (version != kCaptureVersion) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": capture version ", version, " is not supported (this anvil reads ",
                                                   kCaptureVersion, ")"));
  }
  if (flags != 0) return absl::InvalidArgumentError(absl::StrCat(path, ": unknown capture flags 0x", absl::Hex(flags)));
  if (length != size - kHeaderBytes || length > static_cast<uint64_t>(INT32_MAX)) {
    return absl::DataLossError(absl::StrCat(path, ": truncated or damaged: the header announces ", length, " bytes, ",
                                            size - kHeaderBytes, " follow"));
  }
  proto::CaptureProto capture;
  google::protobuf::io::CodedInputStream input(base + kHeaderBytes, static_cast<int>(length));
  const google::protobuf::LogSilencer quiet;  // our error says it; no protobuf log line on stderr
  if (!capture.ParseFromCodedStream(&input) || !input.ConsumedEntireMessage()) {
    return absl::DataLossError(absl::StrCat(path, ": the capture does not parse; the file is damaged"));
  }
  return capture;
}

absl::Status CheckConsistent(const proto::CaptureProto& p, const std::string& path) {
  const int64_t vocab = p.plan().config().vocab_size();
  auto check_logits = [&](int size, const char* what) -> absl::Status {
    if (size != 0 && vocab > 0 && size != vocab) {
      return absl::DataLossError(absl::StrCat(path, ": ", what, " holds ", size, " values, the model's vocabulary is ", vocab));
    }
    return absl::OkStatus();
  };
  ANVIL_RETURN_IF_ERROR(check_logits(p.first_logits_size(), "first_logits"));
  ANVIL_RETURN_IF_ERROR(check_logits(p.last_logits_size(), "last_logits"));
  if (p.capacity() <= 0 || p.capacity() > kMaxCapacity) {
    return absl::DataLossError(absl::StrCat(path, ": capacity ", p.capacity(), " is outside 1..", kMaxCapacity));
  }
  // The prompt and every step each take a KV position.
  if (static_cast<int64_t>(p.prompt_ids_size()) + p.steps_size() > p.capacity()) {
    return absl::DataLossError(absl::StrCat(path, ": ", p.prompt_ids_size(), " prompt ids and ", p.steps_size(),
                                            " steps do not fit the capacity ", p.capacity()));
  }
  for (int i = 0; i < p.prompt_ids_size(); ++i) {
    const int32_t id = p.prompt_ids(i);
    if (id < 0 || (vocab > 0 && id >= vocab)) {
      return absl::DataLossError(absl::StrCat(path, ": prompt id ", i, " (", id, ") is outside the vocabulary"));
    }
  }
  for (int i = 0; i < p.steps_size(); ++i) {
    const proto::CapturedStep& s = p.steps(i);
    const bool ids_ok = s.input_id() >= 0 && s.argmax_id() >= 0 && (vocab <= 0 || (s.input_id() < vocab && s.argmax_id() < vocab));
    if (!ids_ok || s.position() < 0 || s.position() >= p.capacity()) {
      return absl::DataLossError(absl::StrCat(path, ": step ", i, " has an id or position outside the model"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t LogitsDigest(const float* logits, size_t count) { return Fnv1a64(logits, count * sizeof(float)); }

absl::Status SaveCapture(const Capture& capture, const Model& plan, const Model& source, const std::string& path) {
  proto::CaptureProto p;
  p.set_producer(capture.producer);
  p.set_graph_path(capture.graph_path);
  p.mutable_graph_checksum()->set_algorithm(capture.graph_checksum.algorithm);
  p.mutable_graph_checksum()->set_value(capture.graph_checksum.value);
  p.mutable_graph_checksum()->set_data_length(capture.graph_checksum.data_length);
  p.set_executor(capture.executor);
  p.set_device(capture.device);
  p.set_capacity(capture.capacity);
  for (const std::string& pass : capture.passes) p.add_passes(pass);
  // Tensors inside the source's data section are stored as ranges of it; others inline.
  std::vector<TensorPlacement> placements;
  for (ValueId id : plan.graph.initializers()) {
    const TensorData& d = plan.graph.value(id).data;
    TensorPlacement place;
    place.length = d.size();
    place.external = source.data_section != nullptr && d.data() >= source.data_section &&
                     d.data() + d.size() <= source.data_section + source.data_section_bytes;
    if (place.external) place.offset = static_cast<uint64_t>(d.data() - source.data_section);
    placements.push_back(place);
  }
  *p.mutable_plan() = ModelToProto(plan, &placements);
  p.mutable_plan()->clear_tokenizer();
  p.mutable_plan()->set_data_alignment(source.data_alignment);
  for (int32_t id : capture.prompt_ids) p.add_prompt_ids(id);
  for (const CapturedStep& s : capture.steps) {
    proto::CapturedStep* ps = p.add_steps();
    ps->set_position(s.position);
    ps->set_input_id(s.input_id);
    ps->set_argmax_id(s.argmax_id);
    ps->set_logits_digest(s.logits_digest);
  }
  p.mutable_first_logits()->Add(capture.first_logits.begin(), capture.first_logits.end());
  p.mutable_last_logits()->Add(capture.last_logits.begin(), capture.last_logits.end());
  std::string body;
  {
    google::protobuf::io::StringOutputStream stream(&body);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!p.SerializeToCodedStream(&coded)) return absl::InternalError("the capture does not serialize");
  }
  std::string file(kCaptureMagic, 8);
  const uint32_t version = kCaptureVersion, flags = 0;
  const uint64_t length = body.size();
  file.append(reinterpret_cast<const char*>(&version), 4);
  file.append(reinterpret_cast<const char*>(&flags), 4);
  file.append(reinterpret_cast<const char*>(&length), 8);
  file += body;
  return WriteFileAtomically(path, file);
}

absl::StatusOr<Capture> ReadCapture(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(proto::CaptureProto p, ParseCaptureFile(path));
  ANVIL_RETURN_IF_ERROR(CheckConsistent(p, path));
  Capture c;
  c.producer = p.producer();
  c.graph_path = p.graph_path();
  c.graph_checksum = {p.graph_checksum().algorithm(), p.graph_checksum().value(), p.graph_checksum().data_length()};
  c.executor = p.executor();
  c.device = p.device();
  c.capacity = p.capacity();
  c.passes.assign(p.passes().begin(), p.passes().end());
  c.prompt_ids.assign(p.prompt_ids().begin(), p.prompt_ids().end());
  for (const proto::CapturedStep& s : p.steps()) {
    c.steps.push_back({s.position(), s.input_id(), s.argmax_id(), s.logits_digest()});
  }
  c.first_logits.assign(p.first_logits().begin(), p.first_logits().end());
  c.last_logits.assign(p.last_logits().begin(), p.last_logits().end());
  c.plan_nodes = p.plan().graph().nodes_size();
  return c;
}

absl::StatusOr<Model> LoadCapturePlan(const std::string& path, const Model& source, const OpRegistry& registry, bool force) {
  ANVIL_ASSIGN_OR_RETURN(proto::CaptureProto p, ParseCaptureFile(path));
  ANVIL_RETURN_IF_ERROR(CheckConsistent(p, path));
  const bool same = p.graph_checksum().algorithm() == source.checksum.algorithm &&
                    p.graph_checksum().value() == source.checksum.value &&
                    p.graph_checksum().data_length() == source.checksum.data_length;
  if (!same && !force) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s was recorded with another model: it names %s (crc32 %08x), but %s has crc32 %08x; --force replays anyway",
        path, p.graph_path(), p.graph_checksum().value(), source.source_path, source.checksum.value));
  }
  DataSection section;
  const DataSection* section_ptr = nullptr;
  // The plan's views keep the source's mapping alive through the owner of the source's
  // initializers that are views of it; a source without any lends no data section (nothing would
  // keep it alive).
  for (ValueId id : source.graph.initializers()) {
    const TensorData& d = source.graph.value(id).data;
    if (source.data_section != nullptr && d.data() >= source.data_section &&
        d.data() + d.size() <= source.data_section + source.data_section_bytes) {
      section.owner = d.owner();
      break;
    }
  }
  if (source.data_section != nullptr && section.owner != nullptr) {
    section.data = source.data_section;
    section.size = source.data_section_bytes;
    section.alignment = source.data_alignment;
    section_ptr = &section;
  }
  auto plan = ModelFromProto(p.plan(), section_ptr);
  if (!plan.ok()) return Annotate(plan.status(), absl::StrCat(path, ": plan"));
  ANVIL_RETURN_IF_ERROR(VerifyGraph(plan->graph, registry), absl::StrCat(path, ": plan"));
  plan->source_path = path;
  plan->tokenizer = source.tokenizer;
  plan->data_section = source.data_section;
  plan->data_section_bytes = source.data_section_bytes;
  return plan;
}

}  // namespace anvil
