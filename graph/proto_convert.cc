#include "graph/proto_convert.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"

namespace anvil {
namespace {

// Caps on how many things a ModelProto may hold, checked before the IR is built from it. Real
// models have a few thousand nodes and initializers (a 126-layer Llama: ~3,200 nodes); these are
// far above that and keep a crafted description from costing more than its size suggests (the
// optimizer's passes are superlinear in the node count).
constexpr int kMaxNodes = 1 << 16;
constexpr int kMaxInitializers = 1 << 16;
constexpr int kMaxGraphValues = 1 << 16;    // graph inputs, outputs, states (each)
constexpr int kMaxNodePorts = 1 << 10;      // inputs or outputs of one node
constexpr int kMaxNodeAttributes = 64;
constexpr int kMaxAttributeList = 1 << 10;  // entries of an ints / floats attribute
constexpr int kMaxMetadata = 1 << 16;
constexpr int kMaxSpecialIds = 64;          // config bos_ids / eos_ids

absl::Status CheckCount(int count, int max, absl::string_view what) {
  if (count <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", count, " entries (at most ", max, ")"));
}

std::optional<DType> DTypeFromProto(int t) {
  switch (t) {
    case proto::F32: return DType::kF32;
    case proto::F16: return DType::kF16;
    case proto::BF16: return DType::kBF16;
    case proto::I32: return DType::kI32;
    case proto::I64: return DType::kI64;
    case proto::Q8_0: return DType::kQ8_0;
    case proto::Q4_0: return DType::kQ4_0;
    default: return std::nullopt;
  }
}

proto::DataType DTypeToProto(DType d) {
  switch (d) {
    case DType::kF32: return proto::F32;
    case DType::kF16: return proto::F16;
    case DType::kBF16: return proto::BF16;
    case DType::kI32: return proto::I32;
    case DType::kI64: return proto::I64;
    case DType::kQ8_0: return proto::Q8_0;
    case DType::kQ4_0: return proto::Q4_0;
  }
  return proto::DATA_TYPE_UNSPECIFIED;
}

absl::StatusOr<DType> ReadDType(int t) {
  auto d = DTypeFromProto(t);
  if (!d) return absl::InvalidArgumentError(absl::StrCat("dtype ", t, " is not a known dtype"));
  return *d;
}

absl::StatusOr<TensorType> ReadTensorTypeImpl(const proto::TensorTypeProto& p) {
  TensorType type;
  ANVIL_ASSIGN_OR_RETURN(type.dtype, ReadDType(p.dtype()));
  if (p.dims_size() > kMaxTensorRank) {
    return absl::InvalidArgumentError(absl::StrCat("has rank ", p.dims_size(), " (at most ", kMaxTensorRank, ")"));
  }
  for (int i = 0; i < p.dims_size(); ++i) {
    const proto::Dim& d = p.dims(i);
    if (d.kind_case() == proto::Dim::kSymbol) {
      if (d.symbol() != kTokensSymbol && d.symbol() != kCapacitySymbol) {
        return absl::InvalidArgumentError(absl::StrCat("dim ", i, " has unknown symbol '", d.symbol(),
                                                       "' (known: T, C)"));
      }
      type.shape.push_back(Dim::Symbol(d.symbol()));
    } else {
      if (d.size() < 0) return absl::InvalidArgumentError(absl::StrCat("dim ", i, " is negative"));
      type.shape.push_back(Dim::Fixed(d.size()));
    }
  }
  return type;
}

void WriteTensorType(const TensorType& type, proto::TensorTypeProto* p) {
  p->set_dtype(DTypeToProto(type.dtype));
  for (const Dim& d : type.shape) {
    proto::Dim* pd = p->add_dims();
    if (d.is_symbolic()) {
      pd->set_symbol(d.symbol);
    } else {
      pd->set_size(d.size);
    }
  }
}

// Reads an initializer's bytes: a view into the data section or a copy of inline data.
absl::StatusOr<TensorData> ReadTensorData(const proto::TensorProto& t, DType dtype, uint64_t bytes,
                                          const DataSection* section) {
  if (t.external()) {
    if (section == nullptr) {
      return absl::InvalidArgumentError("refers to a data section, but this file has none (text form needs inline data)");
    }
    if (t.data_offset() % section->alignment != 0) {
      return absl::InvalidArgumentError(absl::StrCat("data_offset ", t.data_offset(),
                                                     " is not a multiple of the data alignment ",
                                                     section->alignment));
    }
    auto end = CheckedAdd(t.data_offset(), t.data_length());
    if (!end || *end > section->size) {
      return absl::OutOfRangeError(absl::StrCat("data range [", t.data_offset(), ", +", t.data_length(),
                                                ") is outside the data section (", section->size,
                                                " bytes); the file may be truncated"));
    }
    if (t.data_length() != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("data_length ", t.data_length(), " does not match its type (",
                                                     bytes, " bytes)"));
    }
    return TensorData::View(section->owner, section->data + t.data_offset(), bytes);
  }
  const int inline_forms = (!t.raw_data().empty()) + (t.float_data_size() > 0) + (t.int_data_size() > 0);
  if (inline_forms > 1) return absl::InvalidArgumentError("has more than one of raw_data, float_data, int_data");
  std::vector<uint8_t> data;
  if (t.float_data_size() > 0) {
    if (dtype != DType::kF32) return absl::InvalidArgumentError("float_data is only for f32 tensors");
    if (static_cast<uint64_t>(t.float_data_size()) * 4 != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("has ", t.float_data_size(), " float_data values, expected ",
                                                     bytes / 4));
    }
    data.resize(bytes);
    std::memcpy(data.data(), t.float_data().data(), bytes);
  } else if (t.int_data_size() > 0) {
    const int width = dtype == DType::kI32 ? 4 : dtype == DType::kI64 ? 8 : 0;
    if (width == 0) return absl::InvalidArgumentError("int_data is only for i32 and i64 tensors");
    if (static_cast<uint64_t>(t.int_data_size()) * width != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("has ", t.int_data_size(), " int_data values, expected ",
                                                     bytes / width));
    }
    data.resize(bytes);
    for (int i = 0; i < t.int_data_size(); ++i) {
      if (width == 4) {
        const int32_t v = static_cast<int32_t>(t.int_data(i));
        if (v != t.int_data(i)) return absl::InvalidArgumentError(absl::StrCat("int_data[", i, "] does not fit i32"));
        std::memcpy(data.data() + 4 * i, &v, 4);
      } else {
        const int64_t v = t.int_data(i);
        std::memcpy(data.data() + 8 * i, &v, 8);
      }
    }
  } else {
    if (t.raw_data().size() != bytes) {
      return absl::InvalidArgumentError(absl::StrCat("raw_data has ", t.raw_data().size(), " bytes, expected ", bytes));
    }
    data.assign(t.raw_data().begin(), t.raw_data().end());
  }
  return TensorData::Owned(std::move(data));
}

absl::StatusOr<ModelConfig> ReadConfig(const proto::ModelConfig& p) {
  ANVIL_RETURN_IF_ERROR(CheckCount(p.bos_ids_size(), kMaxSpecialIds, "config bos_ids"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.eos_ids_size(), kMaxSpecialIds, "config eos_ids"));
  ModelConfig c;
  c.family = p.family();
  c.vocab_size = p.vocab_size();
  c.hidden_size = p.hidden_size();
  c.intermediate_size = p.intermediate_size();
  c.num_layers = p.num_layers();
  c.num_heads = p.num_heads();
  c.num_kv_heads = p.num_kv_heads();
  c.head_dim = p.head_dim();
  c.rope_theta = p.rope_theta();
  c.rope_layout = p.rope_layout();
  c.rope_scaling.type = p.rope_scaling().type();
  c.rope_scaling.factor = p.rope_scaling().factor();
  c.rope_scaling.low_freq_factor = p.rope_scaling().low_freq_factor();
  c.rope_scaling.high_freq_factor = p.rope_scaling().high_freq_factor();
  c.rope_scaling.original_max_position = p.rope_scaling().original_max_position();
  c.rms_norm_eps = p.rms_norm_eps();
  c.qk_norm = p.qk_norm();
  c.attention_bias = p.attention_bias();
  c.sliding_window = p.sliding_window();
  c.tie_embeddings = p.tie_embeddings();
  c.bos_ids.assign(p.bos_ids().begin(), p.bos_ids().end());
  c.eos_ids.assign(p.eos_ids().begin(), p.eos_ids().end());
  c.max_context = p.max_context();
  return c;
}

void WriteConfig(const ModelConfig& c, proto::ModelConfig* p) {
  p->set_family(c.family);
  p->set_vocab_size(c.vocab_size);
  p->set_hidden_size(c.hidden_size);
  p->set_intermediate_size(c.intermediate_size);
  p->set_num_layers(c.num_layers);
  p->set_num_heads(c.num_heads);
  p->set_num_kv_heads(c.num_kv_heads);
  p->set_head_dim(c.head_dim);
  p->set_rope_theta(c.rope_theta);
  p->set_rope_layout(c.rope_layout);
  if (!c.rope_scaling.type.empty()) {
    proto::RopeScaling* s = p->mutable_rope_scaling();
    s->set_type(c.rope_scaling.type);
    s->set_factor(c.rope_scaling.factor);
    s->set_low_freq_factor(c.rope_scaling.low_freq_factor);
    s->set_high_freq_factor(c.rope_scaling.high_freq_factor);
    s->set_original_max_position(c.rope_scaling.original_max_position);
  }
  p->set_rms_norm_eps(c.rms_norm_eps);
  p->set_qk_norm(c.qk_norm);
  p->set_attention_bias(c.attention_bias);
  p->set_sliding_window(c.sliding_window);
  p->set_tie_embeddings(c.tie_embeddings);
  for (int64_t id : c.bos_ids) p->add_bos_ids(id);
  for (int64_t id : c.eos_ids) p->add_eos_ids(id);
  p->set_max_context(c.max_context);
}

absl::StatusOr<TokenizerData> ReadTokenizer(const proto::TokenizerProto& p) {
  ANVIL_RETURN_IF_ERROR(CheckCount(p.pieces_size(), kMaxVocabularySize, "tokenizer pieces"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.merges_size(), kMaxVocabularySize, "tokenizer merges"));
  TokenizerData t;
  t.type = p.type();
  t.pieces.assign(p.pieces().begin(), p.pieces().end());
  t.scores.assign(p.scores().begin(), p.scores().end());
  t.merges.assign(p.merges().begin(), p.merges().end());
  t.token_types.assign(p.token_types().begin(), p.token_types().end());
  t.bos_id = p.bos_id();
  t.eos_id = p.eos_id();
  t.unk_id = p.unk_id();
  t.add_bos = p.add_bos();
  t.add_eos = p.add_eos();
  t.max_piece_length = p.max_piece_length();
  t.pretokenizer_regex = p.pretokenizer_regex();
  t.byte_level = p.byte_level();
  t.byte_fallback = p.byte_fallback();
  t.normalizer = p.normalizer();
  t.ignore_merges = p.ignore_merges();
  const int64_t n = static_cast<int64_t>(t.pieces.size());
  if (!t.scores.empty() && static_cast<int64_t>(t.scores.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer: ", t.scores.size(), " scores for ", n, " pieces"));
  }
  if (!t.token_types.empty() && static_cast<int64_t>(t.token_types.size()) != n) {
    return absl::InvalidArgumentError(absl::StrCat("tokenizer: ", t.token_types.size(), " token types for ", n, " pieces"));
  }
  for (int64_t id : {t.bos_id, t.eos_id, t.unk_id}) {
    if (id < -1 || id >= n) {
      return absl::InvalidArgumentError(absl::StrCat("tokenizer: special id ", id, " is outside the vocabulary (", n, " pieces)"));
    }
  }
  return t;
}

void WriteTokenizer(const TokenizerData& t, proto::TokenizerProto* p) {
  p->set_type(t.type);
  for (const std::string& s : t.pieces) p->add_pieces(s);
  for (float s : t.scores) p->add_scores(s);
  for (const std::string& m : t.merges) p->add_merges(m);
  for (int32_t type : t.token_types) p->add_token_types(type);
  p->set_bos_id(t.bos_id);
  p->set_eos_id(t.eos_id);
  p->set_unk_id(t.unk_id);
  p->set_add_bos(t.add_bos);
  p->set_add_eos(t.add_eos);
  p->set_max_piece_length(t.max_piece_length);
  p->set_pretokenizer_regex(t.pretokenizer_regex);
  p->set_byte_level(t.byte_level);
  p->set_byte_fallback(t.byte_fallback);
  p->set_normalizer(t.normalizer);
  p->set_ignore_merges(t.ignore_merges);
}

absl::StatusOr<AttrValue> ReadAttr(const proto::AttributeProto& a) {
  const std::string label = absl::StrCat("attribute '", a.name(), "'");
  switch (a.value_case()) {
    case proto::AttributeProto::kI: return AttrValue(a.i());
    case proto::AttributeProto::kF: return AttrValue(a.f());
    case proto::AttributeProto::kS: return AttrValue(a.s());
    case proto::AttributeProto::kInts:
      ANVIL_RETURN_IF_ERROR(CheckCount(a.ints().values_size(), kMaxAttributeList, label));
      return AttrValue(std::vector<int64_t>(a.ints().values().begin(), a.ints().values().end()));
    case proto::AttributeProto::kFloats:
      ANVIL_RETURN_IF_ERROR(CheckCount(a.floats().values_size(), kMaxAttributeList, label));
      return AttrValue(std::vector<double>(a.floats().values().begin(), a.floats().values().end()));
    default: return absl::InvalidArgumentError(absl::StrCat("attribute '", a.name(), "' has no value"));
  }
}

void WriteAttr(const std::string& name, const AttrValue& value, proto::AttributeProto* a) {
  a->set_name(name);
  switch (AttrTypeOf(value)) {
    case AttrType::kInt: a->set_i(std::get<int64_t>(value)); break;
    case AttrType::kFloat: a->set_f(std::get<double>(value)); break;
    case AttrType::kString: a->set_s(std::get<std::string>(value)); break;
    case AttrType::kInts:
      for (int64_t v : std::get<std::vector<int64_t>>(value)) a->mutable_ints()->add_values(v);
      break;
    case AttrType::kFloats:
      for (double v : std::get<std::vector<double>>(value)) a->mutable_floats()->add_values(v);
      break;
  }
}

absl::Status CheckGraphCounts(const proto::GraphProto& p) {
  ANVIL_RETURN_IF_ERROR(CheckCount(p.nodes_size(), kMaxNodes, "graph nodes"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.initializers_size(), kMaxInitializers, "graph initializers"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.inputs_size(), kMaxGraphValues, "graph inputs"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.outputs_size(), kMaxGraphValues, "graph outputs"));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.states_size(), kMaxGraphValues, "graph states"));
  for (const proto::NodeProto& n : p.nodes()) {
    const std::string label = absl::StrCat("node '", n.name(), "' (", n.op(), ")");
    ANVIL_RETURN_IF_ERROR(CheckCount(n.inputs_size(), kMaxNodePorts, absl::StrCat(label, " inputs")));
    ANVIL_RETURN_IF_ERROR(CheckCount(n.outputs_size(), kMaxNodePorts, absl::StrCat(label, " outputs")));
    ANVIL_RETURN_IF_ERROR(CheckCount(n.attributes_size(), kMaxNodeAttributes, absl::StrCat(label, " attributes")));
  }
  for (const proto::TensorProto& t : p.initializers()) {
    if (t.dims_size() > kMaxTensorRank) {
      return absl::InvalidArgumentError(absl::StrCat("initializer '", t.name(), "' has rank ", t.dims_size(),
                                                     " (at most ", kMaxTensorRank, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status ReadGraph(const proto::GraphProto& p, const DataSection* section, Graph& g) {
  ANVIL_RETURN_IF_ERROR(CheckGraphCounts(p));
  g.name = p.name();
  g.memory_in_place = p.memory_in_place();
  for (const proto::ValueInfoProto& in : p.inputs()) {
    Value v;
    v.name = in.name();
    v.kind = ValueKind::kInput;
    ANVIL_ASSIGN_OR_RETURN(v.type, ReadTensorTypeImpl(in.type()), absl::StrCat("input '", in.name(), "'"));
    v.has_type = true;
    ANVIL_RETURN_IF_ERROR(g.AddValue(std::move(v)).status());
  }
  for (const proto::ValueInfoProto& st : p.states()) {
    Value v;
    v.name = st.name();
    v.kind = ValueKind::kState;
    ANVIL_ASSIGN_OR_RETURN(v.type, ReadTensorTypeImpl(st.type()), absl::StrCat("state '", st.name(), "'"));
    v.has_type = true;
    ANVIL_RETURN_IF_ERROR(g.AddValue(std::move(v)).status());
  }
  for (const proto::TensorProto& t : p.initializers()) {
    const std::string label = absl::StrCat("initializer '", t.name(), "'");
    Value v;
    v.name = t.name();
    v.kind = ValueKind::kInitializer;
    ANVIL_ASSIGN_OR_RETURN(v.type.dtype, ReadDType(t.dtype()), label);
    for (int64_t d : t.dims()) {
      if (d < 0) return absl::InvalidArgumentError(absl::StrCat(label, ": negative dim ", d));
      v.type.shape.push_back(Dim::Fixed(d));
    }
    v.has_type = true;
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())),
                           label);
    ANVIL_ASSIGN_OR_RETURN(v.data, ReadTensorData(t, v.type.dtype, bytes, section), label);
    ANVIL_RETURN_IF_ERROR(g.AddValue(std::move(v)).status());
  }
  for (const proto::NodeProto& n : p.nodes()) {
    const std::string label = absl::StrCat("node '", n.name(), "' (", n.op(), ")");
    Node node;
    node.name = n.name();
    node.op = n.op();
    for (int i = 0; i < n.inputs_size(); ++i) {
      if (n.inputs(i).empty()) {
        node.inputs.push_back(kNoValue);
        continue;
      }
      auto id = g.FindValue(n.inputs(i));
      if (!id) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": input ", i, " '", n.inputs(i),
                                                       "' is not defined before use"));
      }
      node.inputs.push_back(*id);
    }
    for (int i = 0; i < n.outputs_size(); ++i) {
      auto id = g.AddIntermediate(n.outputs(i));
      if (!id.ok()) return Annotate(id.status(), absl::StrCat(label, ": output ", i));
      node.outputs.push_back(*id);
    }
    for (const proto::AttributeProto& a : n.attributes()) {
      if (node.attrs.Has(a.name())) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": attribute '", a.name(), "' is given twice"));
      }
      ANVIL_ASSIGN_OR_RETURN(AttrValue value, ReadAttr(a), label);
      node.attrs.Set(a.name(), std::move(value));
    }
    ANVIL_RETURN_IF_ERROR(g.AddNode(std::move(node)).status());
  }
  for (const proto::ValueInfoProto& out : p.outputs()) {
    auto id = g.FindValue(out.name());
    if (!id) return absl::InvalidArgumentError(absl::StrCat("graph output '", out.name(), "' is not defined"));
    g.outputs().push_back(*id);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TensorType> TensorTypeFromProto(const proto::TensorTypeProto& p) {
  return ReadTensorTypeImpl(p);
}

absl::StatusOr<Model> ModelFromProto(const proto::ModelProto& p, const DataSection* section) {
  Model m;
  m.opset_version = p.opset_version();
  m.producer = p.producer();
  ANVIL_ASSIGN_OR_RETURN(m.config, ReadConfig(p.config()));
  ANVIL_RETURN_IF_ERROR(CheckCount(p.metadata_size(), kMaxMetadata, "metadata"));
  if (p.has_tokenizer()) {
    ANVIL_ASSIGN_OR_RETURN(m.tokenizer, ReadTokenizer(p.tokenizer()));
  }
  m.data_alignment = section != nullptr ? section->alignment : (p.data_alignment() ? p.data_alignment() : 64);
  m.checksum.algorithm = p.checksum().algorithm();
  m.checksum.value = p.checksum().value();
  m.checksum.data_length = p.checksum().data_length();
  for (const proto::MetadataEntry& e : p.metadata()) m.metadata.emplace_back(e.key(), e.value());
  ANVIL_RETURN_IF_ERROR(ReadGraph(p.graph(), section, m.graph));
  return m;
}

proto::ModelProto ModelToProto(const Model& m, const std::vector<TensorPlacement>* placements) {
  proto::ModelProto p;
  p.set_opset_version(m.opset_version);
  p.set_producer(m.producer);
  WriteConfig(m.config, p.mutable_config());
  if (m.tokenizer) WriteTokenizer(*m.tokenizer, p.mutable_tokenizer());
  p.set_data_alignment(m.data_alignment);
  for (const auto& [key, value] : m.metadata) {
    proto::MetadataEntry* e = p.add_metadata();
    e->set_key(key);
    e->set_value(value);
  }
  const Graph& g = m.graph;
  proto::GraphProto* pg = p.mutable_graph();
  pg->set_name(g.name);
  pg->set_memory_in_place(g.memory_in_place);
  for (ValueId id : g.inputs()) {
    proto::ValueInfoProto* vi = pg->add_inputs();
    vi->set_name(g.value(id).name);
    WriteTensorType(g.value(id).type, vi->mutable_type());
  }
  for (ValueId id : g.states()) {
    proto::ValueInfoProto* vi = pg->add_states();
    vi->set_name(g.value(id).name);
    WriteTensorType(g.value(id).type, vi->mutable_type());
  }
  const std::vector<ValueId> inits = g.initializers();
  for (size_t i = 0; i < inits.size(); ++i) {
    const Value& v = g.value(inits[i]);
    proto::TensorProto* t = pg->add_initializers();
    t->set_name(v.name);
    t->set_dtype(DTypeToProto(v.type.dtype));
    for (const Dim& d : v.type.shape) t->add_dims(d.size);
    if (placements != nullptr && (*placements)[i].external) {
      t->set_external(true);
      t->set_data_offset((*placements)[i].offset);
      t->set_data_length((*placements)[i].length);
    } else if (placements != nullptr) {
      t->set_raw_data(v.data.data(), v.data.size());
    } else if (v.type.dtype == DType::kF32) {
      const size_t n = v.data.size() / 4;
      t->mutable_float_data()->Resize(static_cast<int>(n), 0.0f);
      std::memcpy(t->mutable_float_data()->mutable_data(), v.data.data(), n * 4);
    } else if (v.type.dtype == DType::kI32 || v.type.dtype == DType::kI64) {
      const int width = v.type.dtype == DType::kI32 ? 4 : 8;
      for (size_t k = 0; k < v.data.size() / width; ++k) {
        int64_t value = 0;
        if (width == 4) {
          int32_t x;
          std::memcpy(&x, v.data.data() + 4 * k, 4);
          value = x;
        } else {
          std::memcpy(&value, v.data.data() + 8 * k, 8);
        }
        t->add_int_data(value);
      }
    } else {
      t->set_raw_data(v.data.data(), v.data.size());
    }
  }
  for (NodeId nid : g.order()) {
    const Node& n = g.node(nid);
    proto::NodeProto* pn = pg->add_nodes();
    pn->set_name(n.name);
    pn->set_op(n.op);
    for (ValueId in : n.inputs) pn->add_inputs(in == kNoValue ? "" : g.value(in).name);
    for (ValueId out : n.outputs) pn->add_outputs(g.value(out).name);
    for (const auto& [name, value] : n.attrs.values()) WriteAttr(name, value, pn->add_attributes());
  }
  for (ValueId id : g.outputs()) {
    proto::ValueInfoProto* vi = pg->add_outputs();
    vi->set_name(g.value(id).name);
    if (g.value(id).has_type) WriteTensorType(g.value(id).type, vi->mutable_type());
  }
  return p;
}

}  // namespace anvil
