#include "models/tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <re2/re2.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/utf8.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "base/status.h"

namespace anvil {
namespace {

constexpr char kSpmSpace[] = "\xe2\x96\x81";  // U+2581, SentencePiece's space
constexpr int32_t kMaxPieces = int32_t{1} << 24;

// Length of the UTF-8 code point at `text[pos]` (which it stores in `code_point`). An ill-formed
// sequence is a unit of its own, read as U+FFFD.
size_t CodePointLength(absl::string_view text, size_t pos, char32_t* code_point) {
  size_t end = pos;
  UChar32 c;
  U8_NEXT(text.data(), end, text.size(), c);
  *code_point = c < 0 ? 0xfffd : static_cast<char32_t>(c);
  return end - pos;
}

void AppendUtf8(char32_t cp, std::string* out) {
  char buffer[U8_MAX_LENGTH];
  size_t length = 0;
  U8_APPEND_UNSAFE(buffer, length, cp);
  out->append(buffer, length);
}

// Unicode White_Space: what Oniguruma's \s matches (Hugging Face runs its regexes on Oniguruma).
bool IsWhiteSpace(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp == 0x20 || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
         cp == 0x205f || cp == 0x3000;
}

// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes for
// U+0100.. in byte order, so every byte is a visible character.
struct ByteLevelAlphabet {
  std::array<char32_t, 256> char_of_byte;
  std::array<int16_t, 324> byte_of_char;  // -1: not in the alphabet
  ByteLevelAlphabet() {
    byte_of_char.fill(-1);
    char32_t extra = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
      char_of_byte[b] = printable ? static_cast<char32_t>(b) : extra++;
      byte_of_char[char_of_byte[b]] = static_cast<int16_t>(b);
    }
  }
};
const ByteLevelAlphabet& Alphabet() {
  static const ByteLevelAlphabet* alphabet = new ByteLevelAlphabet();
  return *alphabet;
}

// "<0x0A>" -> 10; -1 if `piece` is not a byte piece.
int BytePiece(absl::string_view piece) {
  int value;
  if (piece.size() != 6 || !absl::StartsWith(piece, "<0x") || piece[5] != '>' ||
      !std::isxdigit(static_cast<unsigned char>(piece[3])) ||
      !std::isxdigit(static_cast<unsigned char>(piece[4])) ||
      !absl::SimpleHexAtoi(piece.substr(3, 2), &value)) {
    return -1;
  }
  return value;
}

bool IsAscii(absl::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string Excerpt(absl::string_view text) {
  return text.size() <= 64 ? std::string(text) : absl::StrCat(text.substr(0, 64), "...");
}

constexpr absl::string_view kWhitespaceGroupName = "anvil_ws";

// Rewrites a Hugging Face (Oniguruma) pre-tokenizer regex for RE2:
//  - RE2 has no lookahead. `\s+(?!\S)|\s+` (GPT-2, Llama 3, Qwen) becomes the named group
//    `(?P<anvil_ws>\s+)`; the caller gives the last character of such a match back when more than
//    one whitespace character is followed by a non-space, which is what the lookahead did.
//  - \s \d \w are Unicode-aware in Oniguruma but ASCII in RE2: they are spelled out as Unicode
//    classes (\S \D \W too, outside brackets).
absl::StatusOr<std::string> TranslateRegex(absl::string_view pattern) {
  const std::string p = absl::StrReplaceAll(
      pattern, {{"\\s+(?!\\S)|\\s+", absl::StrCat("(?P<", kWhitespaceGroupName, ">\\s+)")}});
  for (absl::string_view lookaround : {"(?!", "(?=", "(?<=", "(?<!"}) {
    if (absl::StrContains(p, lookaround)) {
      return absl::UnimplementedError(absl::StrCat("pre-tokenizer regex '", pattern,
                                                   "' uses lookaround ", lookaround,
                                                   "...), which RE2 cannot run"));
    }
  }
  auto class_body = [](char escape) -> const char* {
    const char lower = static_cast<char>(escape | 0x20);
    if (lower == 's') return "\\t\\n\\x0B\\f\\r\\x{85}\\p{Z}";
    if (lower == 'd') return "\\p{Nd}";
    if (lower == 'w') return "\\p{L}\\p{M}\\p{Nd}\\p{Pc}";
    return nullptr;
  };
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      const char escape = p[i + 1];
      const char* body = class_body(escape);
      const bool negated = escape >= 'A' && escape <= 'Z';
      if (body == nullptr) {
        out.append(p, i, 2);
      } else if (in_class && negated) {
        return absl::UnimplementedError(absl::StrCat("pre-tokenizer regex '", pattern, "': \\",
                                                     std::string(1, escape),
                                                     " inside [...] is not supported"));
      } else {
        absl::StrAppend(&out, in_class ? "" : negated ? "[^" : "[", body, in_class ? "" : "]");
      }
      i += 2;
    } else if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      ++i;
      if (i < p.size() && p[i] == '^') out.push_back(p[i++]);
      if (i < p.size() && p[i] == ']') out.push_back(p[i++]);  // a leading ']' is literal
    } else if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      const size_t end = p.find(":]", i + 2);  // POSIX class such as [:alpha:]
      const size_t stop = end == std::string::npos ? p.size() : end + 2;
      out.append(p, i, stop - i);
      i = stop;
    } else {
      if (in_class && c == ']') in_class = false;
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

uint64_t PairKey(int32_t left, int32_t right) {
  return (uint64_t{static_cast<uint32_t>(left)} << 32) | static_cast<uint32_t>(right);
}

}  // namespace

BpeTokenizer::~BpeTokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> BpeTokenizer::Create(const TokenizerData& data) {
  if (data.normalizer != "" && data.normalizer != "nfc" && data.normalizer != "spm") {
    return absl::InvalidArgumentError(absl::StrCat(
        "bpe tokenizer: unknown normalizer '", data.normalizer, "' (expected \"\", nfc or spm)"));
  }
  if (data.pieces.size() > static_cast<size_t>(kMaxPieces)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bpe tokenizer: ", data.pieces.size(), " pieces is more than 2^24"));
  }
  if (!data.token_types.empty() && data.token_types.size() != data.pieces.size()) {
    return absl::InvalidArgumentError(absl::StrCat("bpe tokenizer: ", data.token_types.size(),
                                                   " token types for ", data.pieces.size(),
                                                   " pieces"));
  }
  const int64_t vocab = static_cast<int64_t>(data.pieces.size());
  for (auto [name, id] : {std::pair<const char*, int64_t>{"bos", data.bos_id},
                          {"eos", data.eos_id},
                          {"unk", data.unk_id}}) {
    if (id < -1 || id >= vocab) {
      return absl::InvalidArgumentError(absl::StrCat(
          "bpe tokenizer: ", name, " id ", id, " is outside the ", vocab, "-piece vocabulary"));
    }
  }
  std::unique_ptr<BpeTokenizer> t(new BpeTokenizer());
  t->pieces_ = data.pieces;
  t->types_ = data.token_types;
  t->normalizer_ = data.normalizer;
  t->byte_level_ = data.byte_level;
  t->byte_fallback_ = data.byte_fallback;
  t->ignore_merges_ = data.ignore_merges;
  t->bos_id_ = static_cast<int32_t>(data.bos_id);
  t->eos_id_ = static_cast<int32_t>(data.eos_id);
  t->unk_id_ = static_cast<int32_t>(data.unk_id);
  t->add_bos_ = data.add_bos;
  t->add_eos_ = data.add_eos;

  t->ids_.reserve(t->pieces_.size());
  for (size_t i = 0; i < t->pieces_.size(); ++i) {
    t->ids_.try_emplace(absl::string_view(t->pieces_[i]), static_cast<int32_t>(i));
  }
  ANVIL_RETURN_IF_ERROR(t->BuildMerges(data.merges), "bpe tokenizer");

  t->added_by_first_byte_.resize(256);
  for (size_t i = 0; i < t->types_.size(); ++i) {
    if ((t->types_[i] == kTokenControl || t->types_[i] == kTokenUserDefined) &&
        !t->pieces_[i].empty()) {
      t->added_by_first_byte_[static_cast<unsigned char>(t->pieces_[i][0])].push_back(
          static_cast<int32_t>(i));
    }
  }
  for (auto& candidates : t->added_by_first_byte_) {
    std::stable_sort(candidates.begin(), candidates.end(), [&](int32_t a, int32_t b) {
      return t->pieces_[a].size() > t->pieces_[b].size();
    });
  }

  if (!data.pretokenizer_regex.empty()) {
    ANVIL_ASSIGN_OR_RETURN(const std::string pattern, TranslateRegex(data.pretokenizer_regex),
                           "bpe tokenizer");
    RE2::Options options;
    options.set_log_errors(false);
    t->pretokenizer_ = std::make_unique<RE2>(pattern, options);
    if (!t->pretokenizer_->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bpe tokenizer: pre-tokenizer regex '", data.pretokenizer_regex,
                       "' does not compile: ", t->pretokenizer_->error()));
    }
    const auto& groups = t->pretokenizer_->NamedCapturingGroups();
    if (auto it = groups.find(std::string(kWhitespaceGroupName)); it != groups.end())
      t->whitespace_group_ = it->second;
  }

  for (int b = 0; b < 256; ++b) {
    std::string spelling;
    if (data.byte_level) {
      AppendUtf8(Alphabet().char_of_byte[b], &spelling);
    } else {
      spelling = absl::StrFormat("<0x%02X>", b);
    }
    t->byte_symbol_[b] = t->Lookup(spelling);
  }
  return std::unique_ptr<Tokenizer>(std::move(t));
}

absl::Status BpeTokenizer::BuildMerges(const std::vector<std::string>& merges) {
  if (merges.size() > static_cast<size_t>(kMaxPieces)) {
    return absl::InvalidArgumentError(absl::StrCat(merges.size(), " merges is more than 2^24"));
  }
  merges_.reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const absl::string_view merge = merges[rank];
    // A piece may itself hold a space (never in byte-level vocabularies): try every split.
    Merge found{static_cast<int32_t>(rank), -1};
    int32_t left = -1, right = -1;
    for (size_t at = merge.find(' '); at != absl::string_view::npos && found.result < 0;
         at = merge.find(' ', at + 1)) {
      left = Lookup(merge.substr(0, at));
      right = Lookup(merge.substr(at + 1));
      if (left < 0 || right < 0) continue;
      joined.assign(merge.data(), at);
      joined.append(merge.data() + at + 1, merge.size() - at - 1);
      found.result = Lookup(joined);
    }
    if (found.result < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("merge ", rank, " '", merge,
                       "' is not two vocabulary pieces that merge into a vocabulary piece"));
    }
    // A repeated pair keeps its last rank, as Hugging Face's merge map does.
    merges_.insert_or_assign(PairKey(left, right), found);
  }
  return absl::OkStatus();
}

int32_t BpeTokenizer::Lookup(absl::string_view piece) const {
  auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

absl::StatusOr<std::vector<int32_t>> BpeTokenizer::Encode(absl::string_view text,
                                                          bool add_bos) const {
  std::vector<int32_t> ids;
  if (add_bos && add_bos_ && bos_id_ >= 0) ids.push_back(bos_id_);
  size_t segment_start = 0;
  for (size_t i = 0; i < text.size();) {
    int32_t added = -1;
    for (int32_t id : added_by_first_byte_[static_cast<unsigned char>(text[i])]) {
      if (absl::StartsWith(text.substr(i), pieces_[id])) {
        added = id;
        break;
      }
    }
    if (added < 0) {
      ++i;
      continue;
    }
    ANVIL_RETURN_IF_ERROR(EncodeText(text.substr(segment_start, i - segment_start), &ids));
    ids.push_back(added);
    i += pieces_[added].size();
    segment_start = i;
  }
  ANVIL_RETURN_IF_ERROR(EncodeText(text.substr(segment_start), &ids));
  if (add_bos && add_eos_ && eos_id_ >= 0) ids.push_back(eos_id_);
  return ids;
}

absl::Status BpeTokenizer::EncodeText(absl::string_view raw, std::vector<int32_t>* ids) const {
  if (raw.empty()) return absl::OkStatus();
  std::string normalized;
  absl::string_view text = raw;
  if (normalizer_ == "nfc" && !IsAscii(raw)) {
    UErrorCode error = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(error);
    icu::StringByteSink<std::string> sink(&normalized);
    // Ill-formed UTF-8 passes through unchanged (and is then encoded byte by byte).
    if (U_SUCCESS(error))
      nfc->normalizeUTF8(0, icu::StringPiece(raw.data(), raw.size()), sink, nullptr, error);
    if (U_FAILURE(error)) {
      return absl::InternalError(absl::StrCat("NFC normalization failed: ", u_errorName(error)));
    }
    text = normalized;
  } else if (normalizer_ == "spm") {
    normalized = absl::StrCat(kSpmSpace, absl::StrReplaceAll(raw, {{" ", kSpmSpace}}));
    text = normalized;
  }
  if (pretokenizer_ == nullptr) return EncodeWord(text, ids);

  // Isolated split: every match and every gap between matches is a pre-token.
  const re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  size_t gap_start = 0, search = 0;
  while (search < text.size() &&
         pretokenizer_->Match(input, search, text.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t start = static_cast<size_t>(match.data() - text.data());
    size_t end = start + match.size();
    char32_t cp;
    if (end == start) {  // an empty match splits nothing
      search = start + CodePointLength(text, start, &cp);
      continue;
    }
    size_t last = end - 1;  // start of the match's last character
    while (last > start && (static_cast<unsigned char>(text[last]) & 0xc0) == 0x80) --last;
    if (whitespace_group_ > 0 && last > start && end < text.size() &&
        (CodePointLength(text, end, &cp), !IsWhiteSpace(cp)) &&
        (CodePointLength(text, last, &cp), IsWhiteSpace(cp))) {
      // If the whitespace group matched, `\s+(?!\S)` would have left the last whitespace
      // character to the next pre-token. Asking which alternative matched needs submatches,
      // which are slow in RE2, so only here.
      std::vector<re2::StringPiece> groups(static_cast<size_t>(whitespace_group_ + 1));
      if (pretokenizer_->Match(input, start, text.size(), RE2::ANCHOR_START, groups.data(),
                               whitespace_group_ + 1) &&
          groups[whitespace_group_].data() == match.data() &&
          groups[whitespace_group_].size() == match.size()) {
        end = last;
      }
    }
    if (start > gap_start)
      ANVIL_RETURN_IF_ERROR(EncodeWord(text.substr(gap_start, start - gap_start), ids));
    ANVIL_RETURN_IF_ERROR(EncodeWord(text.substr(start, end - start), ids));
    gap_start = search = end;
  }
  if (gap_start < text.size()) ANVIL_RETURN_IF_ERROR(EncodeWord(text.substr(gap_start), ids));
  return absl::OkStatus();
}

absl::Status BpeTokenizer::EncodeWord(absl::string_view word, std::vector<int32_t>* ids) const {
  if (word.empty()) return absl::OkStatus();
  if (ignore_merges_) {
    int32_t id;
    if (byte_level_) {
      std::string spelled;
      for (unsigned char b : word) AppendUtf8(Alphabet().char_of_byte[b], &spelled);
      id = Lookup(spelled);
    } else {
      id = Lookup(word);
    }
    if (id >= 0) {
      ids->push_back(id);
      return absl::OkStatus();
    }
  }
  Symbols symbols;
  ANVIL_RETURN_IF_ERROR(InitialSymbols(word, &symbols));
  MergeSymbols(&symbols);
  ids->insert(ids->end(), symbols.begin(), symbols.end());
  return absl::OkStatus();
}

absl::Status BpeTokenizer::InitialSymbols(absl::string_view word, Symbols* symbols) const {
  auto cannot_encode = [&](absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("text '", Excerpt(word), "' has ", what,
                     ", which the vocabulary cannot encode (no byte fallback, no unk)"));
  };
  if (byte_level_) {
    for (unsigned char b : word) {
      if (byte_symbol_[b] >= 0) {
        symbols->push_back(byte_symbol_[b]);
      } else if (unk_id_ >= 0) {
        symbols->push_back(unk_id_);
      } else {
        return cannot_encode(absl::StrFormat("byte 0x%02X", b));
      }
    }
    return absl::OkStatus();
  }
  for (size_t i = 0; i < word.size();) {
    char32_t cp;
    const size_t n = CodePointLength(word, i, &cp);
    const absl::string_view unit = word.substr(i, n);
    i += n;
    if (const int32_t id = Lookup(unit); id >= 0) {
      symbols->push_back(id);
      continue;
    }
    bool all_bytes = byte_fallback_;
    for (size_t k = 0; k < unit.size() && all_bytes; ++k)
      all_bytes = byte_symbol_[static_cast<unsigned char>(unit[k])] >= 0;
    if (all_bytes) {
      for (unsigned char b : unit) symbols->push_back(byte_symbol_[b]);
    } else if (unk_id_ >= 0) {
      symbols->push_back(unk_id_);
    } else {
      return cannot_encode(n == 1 && cp == 0xfffd
                               ? absl::StrFormat("byte 0x%02X", static_cast<unsigned char>(unit[0]))
                               : absl::StrFormat("U+%04X", static_cast<uint32_t>(cp)));
    }
  }
  return absl::OkStatus();
}

void BpeTokenizer::MergeSymbols(Symbols* symbols) const {
  Symbols& id = *symbols;
  const int32_t n = static_cast<int32_t>(id.size());
  if (n < 2) return;
  // A doubly linked list over `id` (merged-away symbols get id -1) and a min-heap of candidate
  // merges ordered by (rank, position). A candidate is stale once either of its symbols changed.
  Symbols prev(static_cast<size_t>(n)), next(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank, pos, left, right, result;
  };
  auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  absl::InlinedVector<Candidate, 32> heap;
  auto consider = [&](int32_t pos) {
    const int32_t right = next[pos];
    if (right < 0) return;
    auto it = merges_.find(PairKey(id[pos], id[right]));
    if (it == merges_.end()) return;
    heap.push_back({it->second.rank, pos, id[pos], id[right], it->second.result});
    std::push_heap(heap.begin(), heap.end(), later);
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate c = heap.back();
    heap.pop_back();
    const int32_t right = next[c.pos];
    if (id[c.pos] != c.left || right < 0 || id[right] != c.right) continue;
    id[c.pos] = c.result;
    id[right] = -1;
    next[c.pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = c.pos;
    if (prev[c.pos] >= 0) consider(prev[c.pos]);
    consider(c.pos);
  }
  id.erase(std::remove(id.begin(), id.end(), -1), id.end());
}

std::string BpeTokenizer::Decode(int32_t previous, int32_t id) const {
  if (id < 0 || id >= static_cast<int32_t>(pieces_.size())) return "";
  const int32_t type = static_cast<size_t>(id) < types_.size() ? types_[id] : kTokenNormal;
  if (type == kTokenControl || id == bos_id_ || id == eos_id_) return "";
  const std::string& piece = pieces_[id];
  if (type == kTokenUserDefined) return piece;
  if (byte_level_) {
    // A piece outside the alphabet (not produced by byte-level merges) is its own text, as
    // Hugging Face's ByteLevel decoder does it.
    std::string bytes;
    for (size_t i = 0; i < piece.size();) {
      char32_t cp;
      i += CodePointLength(piece, i, &cp);
      const int byte = cp < Alphabet().byte_of_char.size() ? Alphabet().byte_of_char[cp] : -1;
      if (byte < 0) return piece;
      bytes.push_back(static_cast<char>(byte));
    }
    return bytes;
  }
  const bool spm = normalizer_ == "spm";
  if (byte_fallback_ || spm || type == kTokenByte) {
    if (const int byte = BytePiece(piece); byte >= 0)
      return std::string(1, static_cast<char>(byte));
  }
  if (!spm) return piece;
  std::string text = absl::StrReplaceAll(piece, {{kSpmSpace, " "}});
  if ((previous < 0 || previous == bos_id_) && !text.empty() && text[0] == ' ') text.erase(0, 1);
  return text;
}

}  // namespace anvil
