#include "models/tokenizer/hf_tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "models/importers/json_limits.h"
#include "nlohmann/json.hpp"

namespace anvil {
namespace {

using Json = nlohmann::json;

constexpr uint64_t kMaxVocab = uint64_t{1} << 24;
constexpr char kSpmSpace[] = "\xe2\x96\x81";  // U+2581
// GPT-2's pre-tokenizer regex: what ByteLevel with use_regex = true splits by.
constexpr char kGpt2Regex[] =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

// Errors name the file and the field: "DIR/tokenizer.json: model.merges[17] is not a string or a
// pair".
absl::Status Malformed(const std::string& file, absl::string_view field,
                       absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", field, " ", problem));
}
absl::Status Unsupported(const std::string& file, absl::string_view field,
                         absl::string_view problem) {
  return absl::UnimplementedError(absl::StrCat(file, ": ", field, " ", problem));
}

// Member `key` of `object`, or nullptr when `object` is not an object or lacks it.
const Json* Member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// Member `key` as a string, or `fallback` when absent or null.
absl::StatusOr<std::string> StringMember(const Json& object, const char* key,
                                         const std::string& file, const std::string& field,
                                         std::string fallback = "") {
  const Json* value = Member(object, key);
  if (value == nullptr || value->is_null()) return fallback;
  if (!value->is_string()) return Malformed(file, field, "is not a string");
  return value->get_ref<const std::string&>();
}

// Member `key` as a bool: -1 when absent or null, else 0 or 1.
absl::StatusOr<int> BoolMember(const Json& object, const char* key, const std::string& file,
                               const std::string& field) {
  const Json* value = Member(object, key);
  if (value == nullptr || value->is_null()) return -1;
  if (!value->is_boolean()) return Malformed(file, field, "is not true or false");
  return value->get<bool>() ? 1 : 0;
}

absl::StatusOr<Json> ParseJsonFile(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(const std::string text, ReadFileToString(path));
  ANVIL_RETURN_IF_ERROR(CheckJsonDepth(text, path));
  Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  if (!root.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  return root;
}

// tokenizer.json read in one SAX pass. model.vocab and model.merges (the bulk: ~150k entries
// each) go straight into flat lists, checked as they come; everything else becomes a DOM, in which
// those two fields are left as empty placeholders.
struct TokenizerJson {
  Json root;
  std::vector<std::pair<std::string, uint64_t>> vocab;
  std::vector<std::string> merges;  // "a b"
  bool has_vocab = false;
  bool has_merges = false;
};

class TokenizerJsonReader {
 public:
  explicit TokenizerJsonReader(TokenizerJson* out) : out_(out) {}
  const std::string& error() const { return error_; }

  // nlohmann::json's SAX interface (json::sax_parse); returning false stops the parse.
  bool null() { return Value(Json(nullptr)); }
  bool boolean(bool value) { return Value(Json(value)); }
  bool number_integer(int64_t value) { return Value(Json(value)); }
  bool number_unsigned(uint64_t value) { return Value(Json(value)); }
  bool number_float(double value, const std::string&) { return Value(Json(value)); }
  bool string(std::string& value) { return Value(Json(std::move(value))); }
  bool binary(Json::binary_t& value) { return Value(Json::binary(std::move(value))); }
  bool start_object(std::size_t) { return Open(Json::object()); }
  bool start_array(std::size_t) { return Open(Json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }
  bool key(std::string& key) {
    stack_.back().key = std::move(key);
    return true;
  }
  template <typename Exception>
  bool parse_error(std::size_t, const std::string&, const Exception&) {
    return false;
  }

 private:
  enum class Mode { kDom, kVocab, kMerges, kMergePair };
  struct Frame {
    Json* node;  // the container being filled (kDom)
    Mode mode;
    std::string key;      // current key in an object
    size_t count = 0;     // entries so far in a list
    std::string pair[2];  // kMergePair: the two pieces
  };

  bool Fail(std::string error) {
    error_ = std::move(error);
    return false;
  }
  std::string MergeField() const { return absl::StrCat("model.merges[", out_->merges.size(), "]"); }
  // The slot a new value takes in the DOM container on top of the stack.
  Json* Insert(Json value) {
    Frame& top = stack_.back();
    if (top.node->is_object()) {
      Json& slot = (*top.node)[top.key];
      slot = std::move(value);
      return &slot;
    }
    top.node->push_back(std::move(value));
    return &top.node->back();
  }
  bool Value(Json value) {
    if (stack_.empty()) {
      out_->root = std::move(value);
      return true;
    }
    Frame& top = stack_.back();
    switch (top.mode) {
      case Mode::kDom:
        Insert(std::move(value));
        return true;
      case Mode::kVocab:
        if (!value.is_number_unsigned() || value.get<uint64_t>() >= kMaxVocab) {
          return Fail(absl::StrCat("model.vocab['", top.key, "'] is not an id in [0, 2^24)"));
        }
        if (out_->vocab.size() >= kMaxVocab) return Fail("model.vocab has more than 2^24 entries");
        out_->vocab.emplace_back(std::move(top.key), value.get<uint64_t>());
        return true;
      case Mode::kMerges:
        if (!value.is_string()) return Fail(MergeField() + " is not a string or a pair");
        if (value.get_ref<const std::string&>().find(' ') == std::string::npos) {
          return Fail(absl::StrCat(MergeField(), " '", value.get_ref<const std::string&>(),
                                   "' has no space"));
        }
        if (out_->merges.size() >= kMaxVocab)
          return Fail("model.merges has more than 2^24 entries");
        out_->merges.push_back(std::move(value.get_ref<std::string&>()));
        return true;
      case Mode::kMergePair:
        if (!value.is_string() || top.count >= 2)
          return Fail(MergeField() + " is not a string or a pair");
        top.pair[top.count++] = std::move(value.get_ref<std::string&>());
        return true;
    }
    return false;
  }
  bool Open(Json container) {
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return Fail(absl::StrCat("JSON nests deeper than ", kMaxJsonDepth, " levels"));
    }
    if (stack_.empty()) {
      out_->root = std::move(container);
      stack_.push_back({&out_->root, Mode::kDom, ""});
      return true;
    }
    Frame& top = stack_.back();
    if (top.mode == Mode::kMerges && container.is_array()) {
      stack_.push_back({nullptr, Mode::kMergePair, ""});
      return true;
    }
    if (top.mode != Mode::kDom) {
      return Fail(top.mode == Mode::kVocab
                      ? absl::StrCat("model.vocab['", top.key, "'] is not an id in [0, 2^24)")
                      : MergeField() + " is not a string or a pair");
    }
    // model.vocab / model.merges: the parent is the object under the root's "model" key.
    const bool in_model = stack_.size() == 2 && stack_[0].key == "model" && top.node->is_object();
    Mode mode = Mode::kDom;
    if (in_model && top.key == "vocab" && container.is_object()) {
      mode = Mode::kVocab;
      out_->has_vocab = true;
    } else if (in_model && top.key == "merges" && container.is_array()) {
      mode = Mode::kMerges;
      out_->has_merges = true;
    }
    Json* node = Insert(std::move(container));
    stack_.push_back({node, mode, ""});
    return true;
  }
  bool Close() {
    const Frame closed = std::move(stack_.back());
    stack_.pop_back();
    if (closed.mode != Mode::kMergePair) return true;
    if (closed.count != 2) return Fail(MergeField() + " is not a string or a pair");
    if (out_->merges.size() >= kMaxVocab) return Fail("model.merges has more than 2^24 entries");
    out_->merges.push_back(absl::StrCat(closed.pair[0], " ", closed.pair[1]));
    return true;
  }

  TokenizerJson* out_;
  std::vector<Frame> stack_;
  std::string error_;
};

absl::StatusOr<TokenizerJson> ParseTokenizerJson(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(const std::shared_ptr<const MappedFile> file, MappedFile::Open(path));
  TokenizerJson json;
  TokenizerJsonReader reader(&json);
  const char* begin = reinterpret_cast<const char*>(file->data());
  if (!Json::sax_parse(begin, begin + file->size(), &reader)) {
    if (!reader.error().empty())
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", reader.error()));
    return absl::InvalidArgumentError(absl::StrCat(path, ": not valid JSON"));
  }
  if (!json.root.is_object())
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  return json;
}

// The steps of a normalizer or pre-tokenizer: a "Sequence" (under `list_key`) flattened, null
// empty.
absl::StatusOr<std::vector<const Json*>> Steps(const Json* node, const char* list_key,
                                               const std::string& file, const std::string& field) {
  std::vector<const Json*> steps;
  if (node == nullptr || node->is_null()) return steps;
  if (!node->is_object()) return Malformed(file, field, "is not an object or null");
  ANVIL_ASSIGN_OR_RETURN(const std::string type,
                         StringMember(*node, "type", file, field + ".type"));
  if (type != "Sequence") {
    steps.push_back(node);
    return steps;
  }
  const Json* list = Member(*node, list_key);
  if (list == nullptr || !list->is_array())
    return Malformed(file, absl::StrCat(field, ".", list_key), "is not a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = absl::StrCat(field, ".", list_key, "[", i, "]");
    ANVIL_ASSIGN_OR_RETURN(std::vector<const Json*> inner, Steps(&(*list)[i], list_key, file, at));
    if (inner.empty()) return Malformed(file, at, "is null");
    steps.insert(steps.end(), inner.begin(), inner.end());
  }
  return steps;
}

std::string TypeOf(const Json& step) {
  const Json* type = Member(step, "type");
  return type != nullptr && type->is_string() ? type->get<std::string>() : "?";
}

absl::StatusOr<std::string> ReadNormalizer(const Json& root, const std::string& file) {
  ANVIL_ASSIGN_OR_RETURN(const std::vector<const Json*> steps,
                         Steps(Member(root, "normalizer"), "normalizers", file, "normalizer"));
  std::vector<std::string> types;
  for (const Json* step : steps) types.push_back(TypeOf(*step));
  if (steps.empty()) return std::string();
  if (types == std::vector<std::string>{"NFC"}) return std::string("nfc");
  if (types == std::vector<std::string>{"Prepend", "Replace"}) {
    const Json* prepend = Member(*steps[0], "prepend");
    const Json* pattern = Member(*steps[1], "pattern");
    const Json* from = pattern != nullptr ? Member(*pattern, "String") : nullptr;
    const Json* to = Member(*steps[1], "content");
    if (prepend != nullptr && *prepend == kSpmSpace && from != nullptr && *from == " " &&
        to != nullptr && *to == kSpmSpace) {
      return std::string("spm");
    }
  }
  return Unsupported(file, "normalizer",
                     absl::StrCat("'", absl::StrJoin(types, " + "),
                                  "' is not supported (null, NFC, or Prepend(\xe2\x96\x81) + "
                                  "Replace(' ' -> \xe2\x96\x81))"));
}

absl::Status ReadPreTokenizer(const Json& root, const std::string& file, TokenizerData* data) {
  ANVIL_ASSIGN_OR_RETURN(
      const std::vector<const Json*> steps,
      Steps(Member(root, "pre_tokenizer"), "pretokenizers", file, "pre_tokenizer"));
  for (const Json* step : steps) {
    const std::string type = TypeOf(*step);
    const std::string field = absl::StrCat("pre_tokenizer ", type);
    std::string regex;
    if (type == "Split") {
      const Json* pattern = Member(*step, "pattern");
      const Json* value = pattern != nullptr ? Member(*pattern, "Regex") : nullptr;
      if (value == nullptr || !value->is_string()) {
        return Unsupported(file, field,
                           "needs pattern {\"Regex\": ...} (string patterns are not supported)");
      }
      ANVIL_ASSIGN_OR_RETURN(const std::string behavior,
                             StringMember(*step, "behavior", file, field + ".behavior"));
      ANVIL_ASSIGN_OR_RETURN(const int invert,
                             BoolMember(*step, "invert", file, field + ".invert"));
      if (behavior != "Isolated" || invert == 1) {
        return Unsupported(file, field,
                           absl::StrCat("behavior '", behavior, "'", invert == 1 ? " inverted" : "",
                                        " is not supported (Isolated only)"));
      }
      regex = value->get<std::string>();
    } else if (type == "ByteLevel") {
      ANVIL_ASSIGN_OR_RETURN(const int prefix, BoolMember(*step, "add_prefix_space", file,
                                                          field + ".add_prefix_space"));
      ANVIL_ASSIGN_OR_RETURN(const int use_regex,
                             BoolMember(*step, "use_regex", file, field + ".use_regex"));
      if (prefix == 1) return Unsupported(file, field, "add_prefix_space = true is not supported");
      data->byte_level = true;
      if (use_regex != 0) regex = kGpt2Regex;  // tokenizers' default is true
    } else {
      return Unsupported(file, "pre_tokenizer",
                         absl::StrCat("'", type, "' is not supported (Split, ByteLevel)"));
    }
    if (!regex.empty()) {
      if (!data->pretokenizer_regex.empty())
        return Unsupported(file, "pre_tokenizer", "splits by two regexes");
      data->pretokenizer_regex = std::move(regex);
    }
  }
  return absl::OkStatus();
}

// Fills pieces and token_types from model.vocab and added_tokens.
absl::Status ReadVocabulary(const TokenizerJson& json, const std::string& file,
                            TokenizerData* data) {
  if (!json.has_vocab) return Malformed(file, "model.vocab", "is missing or not an object");
  const Json* added = Member(json.root, "added_tokens");
  if (added != nullptr && !added->is_null() && !added->is_array())
    return Malformed(file, "added_tokens", "is not a list");
  const size_t added_count = added != nullptr && added->is_array() ? added->size() : 0;
  if (added_count > kMaxVocab) return Malformed(file, "added_tokens", "has more than 2^24 entries");

  // Ids run from 0 without gaps, so there are as many as entries at most: a larger id is a gap,
  // refused before the tables are sized by it (one entry with id 2^24-1 would otherwise cost
  // half a gigabyte of empty pieces).
  const uint64_t entries = json.vocab.size() + added_count;
  uint64_t count = 0;
  for (const auto& [piece, id] : json.vocab) count = std::max(count, id + 1);
  struct Added {
    uint64_t id;
    const std::string* content;
    bool special;
  };
  std::vector<Added> added_tokens;
  for (size_t i = 0; i < added_count; ++i) {
    const Json& token = (*added)[i];
    const std::string field = absl::StrCat("added_tokens[", i, "]");
    const Json* id = Member(token, "id");
    const Json* content = Member(token, "content");
    if (id == nullptr || content == nullptr || !content->is_string()) {
      return Malformed(file, field, "needs an id and a content string");
    }
    if (!id->is_number_unsigned() || id->get<uint64_t>() >= kMaxVocab) {
      return Malformed(file, field + ".id", "is not an id in [0, 2^24)");
    }
    ANVIL_ASSIGN_OR_RETURN(const int special,
                           BoolMember(token, "special", file, field + ".special"));
    added_tokens.push_back(
        {id->get<uint64_t>(), &content->get_ref<const std::string&>(), special == 1});
    count = std::max(count, id->get<uint64_t>() + 1);
  }
  auto gap_error = [&](uint64_t gap) {
    return Malformed(file, "model.vocab",
                     absl::StrCat("has no piece with id ", gap, " (ids must run from 0 to ", count - 1,
                                  " without gaps, added_tokens included)"));
  };
  if (count > entries) {
    std::vector<uint64_t> ids;
    ids.reserve(entries);
    for (const auto& [piece, id] : json.vocab) ids.push_back(id);
    for (const Added& token : added_tokens) ids.push_back(token.id);
    std::sort(ids.begin(), ids.end());
    uint64_t gap = 0;
    for (uint64_t id : ids) {
      if (id > gap) break;
      gap = id + 1;
    }
    return gap_error(gap);
  }

  data->pieces.assign(count, std::string());
  data->token_types.assign(count, kTokenNormal);
  std::vector<bool> seen(count, false);
  for (const auto& [piece, id] : json.vocab) {
    if (seen[id]) {
      return Malformed(
          file, "model.vocab",
          absl::StrCat("gives id ", id, " to both '", data->pieces[id], "' and '", piece, "'"));
    }
    seen[id] = true;
    data->pieces[id] = piece;
  }
  for (size_t i = 0; i < added_tokens.size(); ++i) {
    const Added& token = added_tokens[i];
    if (seen[token.id] && data->pieces[token.id] != *token.content) {
      return Malformed(file, absl::StrCat("added_tokens[", i, "]"),
                       absl::StrCat("'", *token.content, "' has id ", token.id, ", which is '",
                                    data->pieces[token.id], "' already"));
    }
    seen[token.id] = true;
    data->pieces[token.id] = *token.content;
    data->token_types[token.id] = token.special ? kTokenControl : kTokenUserDefined;
  }
  if (auto gap = std::find(seen.begin(), seen.end(), false); gap != seen.end()) {
    return gap_error(static_cast<uint64_t>(gap - seen.begin()));
  }
  for (const std::string& piece : data->pieces) {
    data->max_piece_length =
        std::max<int64_t>(data->max_piece_length, static_cast<int64_t>(piece.size()));
  }
  return absl::OkStatus();
}

// The id of `piece` among model.vocab and added_tokens (as already read into `data`), or -1.
int64_t FindPiece(const TokenizerData& data, absl::string_view piece) {
  auto it = std::find(data.pieces.begin(), data.pieces.end(), piece);
  return it == data.pieces.end() ? -1 : it - data.pieces.begin();
}

// The special tokens a TemplateProcessing post-processor puts before and after a single sequence.
absl::Status ReadTemplate(const Json& root, const std::string& file, std::string* before,
                          std::string* after) {
  const Json* post = Member(root, "post_processor");
  std::vector<const Json*> processors;
  if (post != nullptr && TypeOf(*post) == "Sequence") {
    if (const Json* list = Member(*post, "processors"); list != nullptr && list->is_array()) {
      for (const Json& p : *list) processors.push_back(&p);
    }
  } else if (post != nullptr) {
    processors.push_back(post);
  }
  for (const Json* processor : processors) {
    if (TypeOf(*processor) != "TemplateProcessing") continue;
    const Json* single = Member(*processor, "single");
    if (single == nullptr || !single->is_array()) {
      return Malformed(file, "post_processor.single", "is not a list");
    }
    auto special = [](const Json& item) -> std::string {
      const Json* token = Member(item, "SpecialToken");
      const Json* id = token != nullptr ? Member(*token, "id") : nullptr;
      return id != nullptr && id->is_string() ? id->get<std::string>() : "";
    };
    if (!single->empty()) {
      *before = special(single->front());
      *after = single->size() > 1 ? special(single->back()) : "";
    }
  }
  return absl::OkStatus();
}

// BOS/EOS ids and whether Encode adds them, from tokenizer_config.json and the post-processor.
absl::Status ReadSpecialTokens(const Json& root, const std::string& dir, TokenizerData* data) {
  std::string template_bos, template_eos;
  ANVIL_RETURN_IF_ERROR(ReadTemplate(root, dir + "/tokenizer.json", &template_bos, &template_eos));
  const std::string file = dir + "/tokenizer_config.json";
  Json config = Json::object();
  std::error_code error;
  if (std::filesystem::exists(file, error)) {
    ANVIL_ASSIGN_OR_RETURN(config, ParseJsonFile(file));
  }
  for (const auto& [key, id] : {std::pair<const char*, int64_t*>{"bos_token", &data->bos_id},
                                {"eos_token", &data->eos_id}}) {
    const Json* token = Member(config, key);
    if (token == nullptr || token->is_null()) continue;
    if (token->is_object()) token = Member(*token, "content");
    if (token == nullptr || !token->is_string())
      return Malformed(file, key, "is not a string, {\"content\": ...} or null");
    *id = FindPiece(*data, token->get_ref<const std::string&>());
    if (*id < 0)
      return Malformed(file, key,
                       absl::StrCat("'", token->get<std::string>(), "' is not in the vocabulary"));
  }
  // The post-processor says what a fast tokenizer adds by default; add_*_token override it.
  auto resolve = [&](const std::string& name, int64_t* id) {
    if (name.empty()) return false;
    const int64_t found = FindPiece(*data, name);
    if (found < 0) return false;
    if (*id < 0) *id = found;
    return *id == found;
  };
  data->add_bos = resolve(template_bos, &data->bos_id);
  data->add_eos = resolve(template_eos, &data->eos_id);
  ANVIL_ASSIGN_OR_RETURN(const int add_bos,
                         BoolMember(config, "add_bos_token", file, "add_bos_token"));
  ANVIL_ASSIGN_OR_RETURN(const int add_eos,
                         BoolMember(config, "add_eos_token", file, "add_eos_token"));
  if (add_bos >= 0) data->add_bos = add_bos == 1;
  if (add_eos >= 0) data->add_eos = add_eos == 1;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TokenizerData> ReadHfTokenizer(const std::string& dir) {
  const std::string file = dir + "/tokenizer.json";
  ANVIL_ASSIGN_OR_RETURN(TokenizerJson json, ParseTokenizerJson(file));
  const Json& root = json.root;
  const Json* model = Member(root, "model");
  if (model == nullptr || !model->is_object())
    return Malformed(file, "model", "is missing or not an object");
  ANVIL_ASSIGN_OR_RETURN(const std::string type,
                         StringMember(*model, "type", file, "model.type", "BPE"));
  if (type != "BPE")
    return Unsupported(file, "model.type",
                       absl::StrCat("'", type, "' is not supported (BPE only)"));
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    ANVIL_ASSIGN_OR_RETURN(const std::string value,
                           StringMember(*model, affix, file, absl::StrCat("model.", affix)));
    if (!value.empty()) return Unsupported(file, absl::StrCat("model.", affix), "is not supported");
  }

  TokenizerData data;
  data.type = "bpe";
  ANVIL_RETURN_IF_ERROR(ReadVocabulary(json, file, &data));
  json.vocab = {};
  if (const Json* merges = Member(*model, "merges");
      !json.has_merges && merges != nullptr && !merges->is_null()) {
    return Malformed(file, "model.merges", "is not a list");
  }
  data.merges = std::move(json.merges);
  ANVIL_ASSIGN_OR_RETURN(data.normalizer, ReadNormalizer(root, file));
  ANVIL_RETURN_IF_ERROR(ReadPreTokenizer(root, file, &data));
  ANVIL_ASSIGN_OR_RETURN(const int byte_fallback,
                         BoolMember(*model, "byte_fallback", file, "model.byte_fallback"));
  ANVIL_ASSIGN_OR_RETURN(const int ignore_merges,
                         BoolMember(*model, "ignore_merges", file, "model.ignore_merges"));
  data.byte_fallback = byte_fallback == 1;
  data.ignore_merges = ignore_merges == 1;
  ANVIL_ASSIGN_OR_RETURN(const std::string unk,
                         StringMember(*model, "unk_token", file, "model.unk_token"));
  if (!unk.empty()) {
    data.unk_id = FindPiece(data, unk);
    if (data.unk_id < 0)
      return Malformed(file, "model.unk_token",
                       absl::StrCat("'", unk, "' is not in the vocabulary"));
    if (data.token_types[data.unk_id] == kTokenNormal)
      data.token_types[data.unk_id] = kTokenUnknown;
  }
  if (data.byte_fallback) {  // GGUF's convention: "<0xXX>" pieces are byte tokens
    for (size_t i = 0; i < data.pieces.size(); ++i) {
      const std::string& p = data.pieces[i];
      if (data.token_types[i] == kTokenNormal && p.size() == 6 && p.compare(0, 3, "<0x") == 0 &&
          p[5] == '>' && std::isxdigit(static_cast<unsigned char>(p[3])) &&
          std::isxdigit(static_cast<unsigned char>(p[4]))) {
        data.token_types[i] = kTokenByte;
      }
    }
  }
  ANVIL_RETURN_IF_ERROR(ReadSpecialTokens(root, dir, &data));
  return data;
}

}  // namespace anvil
