#include "scan/MailReader.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>

#include "scan/HtmlText.h"
#include "scan/TextDecoder.h"

namespace mamori::scan {

namespace {

constexpr std::size_t kSniffBytes = std::size_t{64} * 1024;
constexpr int kMaxParamSections = 1000;  // RFC 2231 continuations (name*0 ... name*999)

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Bytes in a declared charset as UTF-8; a charset we do not know leaves the bytes as they are.
std::string toUtf8(std::string_view bytes, std::string_view charset) {
  TextEncoding encoding = encodingForCharset(charset);
  if (encoding == TextEncoding::kUtf16Be && bytes.substr(0, 2) == "\xFF\xFE") encoding = TextEncoding::kUtf16Le;
  const bool eightBit = std::any_of(bytes.begin(), bytes.end(), [](char c) { return (c & 0x80) != 0; });
  if (encoding == TextEncoding::kUnknown || (encoding == TextEncoding::kIso2022Jp && eightBit)) {
    const TextEncoding detected = detectEncoding(bytes);  // a missing or wrong label: look at the bytes
    if (detected != TextEncoding::kUnknown) encoding = detected;
  }
  if (encoding == TextEncoding::kUnknown || encoding == TextEncoding::kUtf8) return std::string(bytes);
  return transcodeToUtf8(bytes, encoding);
}

// A line's end: the offset after its '\n' (or the end).
std::size_t nextLine(std::string_view s, std::size_t at) {
  const std::size_t nl = s.find('\n', at);
  return nl == std::string_view::npos ? s.size() : nl + 1;
}

struct Header {
  std::string name;  // lower case
  std::string value;
};

// Splits a message into its unfolded headers and its body.
std::vector<Header> parseHeaders(std::string_view message, std::string_view& body) {
  std::vector<Header> headers;
  std::size_t at = 0;
  while (at < message.size()) {
    const std::size_t end = nextLine(message, at);
    std::string_view line = message.substr(at, end - at);
    at = end;
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      body = message.substr(at);
      return headers;
    }
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!headers.empty()) headers.back().value.append(line);  // a folded continuation
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // not a header: skipped
    headers.push_back({lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  body = {};
  return headers;
}

const std::string* findHeader(const std::vector<Header>& headers, std::string_view name) {
  for (const auto& h : headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

// "type/subtype; a=b; c*0*=utf-8''%E5; c*1*=%A4" -> the lower-case value and its parameters, RFC 2231
// continuations joined and decoded, RFC 2047 words in old-style quoted values decoded too.
struct FieldValue {
  std::string value;
  std::map<std::string, std::string> params;
};

std::string percentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

FieldValue parseField(std::string_view text) {
  FieldValue field;
  // Split at ';' outside quotes.
  std::vector<std::string> items;
  std::string current;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\' && i + 1 < text.size()) {
      current.push_back(text[++i]);
      continue;
    }
    if (c == '"') {
      quoted = !quoted;
      current.push_back(c);
      continue;
    }
    if (c == ';' && !quoted) {
      items.push_back(std::move(current));
      current.clear();
      continue;
    }
    current.push_back(c);
  }
  items.push_back(std::move(current));
  field.value = lower(trim(items[0]));
  struct Section {
    std::string text;
    bool extended = false;
  };
  std::map<std::string, std::map<int, Section>> sections;
  for (std::size_t i = 1; i < items.size(); ++i) {
    const std::string_view item = trim(items[i]);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name = lower(trim(item.substr(0, eq)));
    std::string_view raw = trim(item.substr(eq + 1));
    const bool wasQuoted = raw.size() >= 2 && raw.front() == '"' && raw.back() == '"';
    if (wasQuoted) raw = raw.substr(1, raw.size() - 2);
    bool extended = false;
    int index = 0;
    if (!name.empty() && name.back() == '*') {
      extended = true;
      name.pop_back();
    }
    const std::size_t star = name.rfind('*');
    if (star != std::string::npos) {
      const std::string digits = name.substr(star + 1);
      if (digits.empty() || digits.size() > 3 ||
          !std::all_of(digits.begin(), digits.end(), [](char d) { return d >= '0' && d <= '9'; }))
        continue;
      index = std::stoi(digits);
      name.erase(star);
    }
    if (index >= kMaxParamSections || name.empty()) continue;
    if (!extended && star == std::string::npos) {
      field.params[name] = wasQuoted ? decodeEncodedWords(raw) : std::string(raw);
      continue;
    }
    sections[name][index] = Section{std::string(raw), extended};
  }
  for (auto& [name, parts] : sections) {
    std::string charset;
    std::string bytes;
    for (auto& [index, section] : parts) {
      std::string_view piece = section.text;
      if (section.extended && index == parts.begin()->first) {
        // charset'language'value
        const std::size_t q1 = piece.find('\'');
        const std::size_t q2 = q1 == std::string_view::npos ? q1 : piece.find('\'', q1 + 1);
        if (q2 != std::string_view::npos) {
          charset = std::string(piece.substr(0, q1));
          piece = piece.substr(q2 + 1);
        }
      }
      bytes += section.extended ? percentDecode(piece) : std::string(piece);
    }
    field.params[name] = charset.empty() ? bytes : toUtf8(bytes, charset);
  }
  return field;
}

// Control characters in a name from a header would break report lines: replaced.
std::string cleanName(std::string name) {
  for (char& c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '_';
  }
  return name;
}

class Reader {
 public:
  Reader(std::size_t maxParts, const MailPartVisitor& visit, std::vector<std::string>& problems)
      : maxParts_(maxParts), visit_(visit), problems_(problems) {}

  // One entity (a message or a body part); false once reading must stop.
  bool entity(std::string_view data, int depth, bool topLevel, std::string_view defaultType) {
    std::string_view body;
    const std::vector<Header> headers = parseHeaders(data, body);
    if (topLevel && !emitHeaders(headers)) return false;
    const std::string* typeHeader = findHeader(headers, "content-type");
    FieldValue type = parseField(typeHeader != nullptr ? *typeHeader : std::string(defaultType));
    if (type.value.empty() || type.value.find('/') == std::string::npos) type.value = std::string(defaultType);
    if (type.value.rfind("multipart/", 0) == 0) {
      const auto boundary = type.params.find("boundary");
      if (boundary != type.params.end() && !boundary->second.empty()) {
        if (depth >= kMaxMimeDepth) {
          problems_.push_back("MIME parts nested deeper than " + std::to_string(kMaxMimeDepth) +
                              " levels, the rest not read");
          return false;
        }
        const std::string_view inner = type.value == "multipart/digest" ? "message/rfc822" : "text/plain";
        return multipart(body, boundary->second, depth + 1, inner);
      }
      type.value = "text/plain";  // no boundary: read it as text
    }
    return leaf(headers, type, body);
  }

 private:
  bool emit(MailPart&& part) {
    if (++parts_ > maxParts_) {
      problems_.push_back("message has more than archive.max_members (" + std::to_string(maxParts_) +
                          ") parts, the rest not read");
      return false;
    }
    return visit_(std::move(part));
  }

  bool emitHeaders(const std::vector<Header>& headers) {
    std::string text;
    for (const auto& h : headers) {
      if (h.name == "subject" || h.name == "from" || h.name == "to" || h.name == "cc" || h.name == "reply-to") {
        text += h.name + ": " + decodeEncodedWords(h.value) + "\n";
      }
    }
    if (text.empty()) return true;
    return emit(MailPart{"headers", std::move(text), true});
  }

  bool multipart(std::string_view body, const std::string& boundary, int depth, std::string_view inner) {
    const std::string delimiter = "--" + boundary;
    std::size_t at = findDelimiter(body, delimiter, 0);
    while (at != std::string_view::npos) {
      std::size_t after = at + delimiter.size();
      if (body.substr(after, 2) == "--") return true;  // the closing delimiter
      const std::size_t start = nextLine(body, after);
      const std::size_t next = findDelimiter(body, delimiter, start);
      std::size_t end = next == std::string_view::npos ? body.size() : next;
      // The line break before a delimiter belongs to it.
      if (end > start && body[end - 1] == '\n') --end;
      if (end > start && body[end - 1] == '\r') --end;
      if (!entity(body.substr(start, end - start), depth, false, inner)) return false;
      at = next;  // a part without a closing delimiter (truncated mail) ends the body
    }
    return true;
  }

  // The offset of "--boundary" at the start of a line, followed by "--", spaces or the line's end.
  static std::size_t findDelimiter(std::string_view body, const std::string& delimiter, std::size_t from) {
    std::size_t at = from;
    for (;;) {
      at = body.find(delimiter, at);
      if (at == std::string_view::npos) return at;
      const bool lineStart = at == 0 || body[at - 1] == '\n';
      const std::size_t after = at + delimiter.size();
      const bool lineEnd = after >= body.size() || body[after] == '\r' || body[after] == '\n' || body[after] == ' ' ||
                           body[after] == '\t' || body.substr(after, 2) == "--";
      if (lineStart && lineEnd) return at;
      at += 1;
    }
  }

  bool leaf(const std::vector<Header>& headers, const FieldValue& type, std::string_view body) {
    const std::string* encodingHeader = findHeader(headers, "content-transfer-encoding");
    const std::string encoding = encodingHeader != nullptr ? lower(trim(*encodingHeader)) : "";
    std::string data = encoding == "base64"             ? decodeBase64(body)
                       : encoding == "quoted-printable" ? decodeQuotedPrintable(body, false)
                                                        : std::string(body);
    const std::string* dispositionHeader = findHeader(headers, "content-disposition");
    const FieldValue disposition = parseField(dispositionHeader != nullptr ? *dispositionHeader : "");
    std::string name;
    if (auto it = disposition.params.find("filename"); it != disposition.params.end()) name = it->second;
    if (auto it = type.params.find("name"); name.empty() && it != type.params.end()) name = it->second;
    name = cleanName(std::string(trim(name)));
    ++leaves_;
    if (type.value == "message/rfc822" || type.value == "message/global") {
      if (name.empty()) name = "attached-" + std::to_string(leaves_) + ".eml";
      return emit(MailPart{std::move(name), std::move(data), false});
    }
    const bool text = type.value.rfind("text/", 0) == 0;
    if (!text || !name.empty() || disposition.value == "attachment") {
      if (name.empty()) name = "part-" + std::to_string(leaves_);
      return emit(MailPart{std::move(name), std::move(data), false});
    }
    const auto charset = type.params.find("charset");
    std::string utf8 = toUtf8(data, charset != type.params.end() ? charset->second : "");
    const bool html = type.value == "text/html";
    if (html) utf8 = htmlText(utf8);
    ++bodies_;
    std::string bodyName = bodies_ == 1 ? "body" : "body-" + std::to_string(bodies_);
    bodyName += html ? ".html" : ".txt";
    return emit(MailPart{std::move(bodyName), std::move(utf8), true});
  }

  std::size_t maxParts_;
  const MailPartVisitor& visit_;
  std::vector<std::string>& problems_;
  std::size_t parts_ = 0;
  std::size_t leaves_ = 0;
  std::size_t bodies_ = 0;
};

}  // namespace

std::string decodeBase64(std::string_view text) {
  static const std::array<int, 256> kValues = [] {
    std::array<int, 256> v{};
    v.fill(-1);
    const std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
    return v;
  }();
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') break;  // padding: the end of the data
    const int value = kValues[static_cast<unsigned char>(c)];
    if (value < 0) continue;  // line breaks, spaces, stray characters
    bits = (bits << 6U) | static_cast<std::uint32_t>(value);
    if (++count == 4) {
      out.push_back(static_cast<char>((bits >> 16U) & 0xFFU));
      out.push_back(static_cast<char>((bits >> 8U) & 0xFFU));
      out.push_back(static_cast<char>(bits & 0xFFU));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out.push_back(static_cast<char>((bits >> 4U) & 0xFFU));
  if (count == 3) {
    out.push_back(static_cast<char>((bits >> 10U) & 0xFFU));
    out.push_back(static_cast<char>((bits >> 2U) & 0xFFU));
  }
  return out;
}

std::string decodeQuotedPrintable(std::string_view text, bool inHeader) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool escape = c == '=';
    if (inHeader && c == '_') {
      out.push_back(' ');
    } else if (escape && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 && hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else if (escape && text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // a soft line break
    } else if (escape && text.substr(i + 1, 1) == "\n") {
      i += 1;
    } else {
      out.push_back(c);  // any other byte, and a lone '=', as written
    }
  }
  return out;
}

std::string decodeEncodedWords(std::string_view value) {
  std::string out;
  std::string pendingCharset;  // adjacent words in one charset are joined before decoding: some
  std::string pendingBytes;    // mailers split a multi-byte character across two words
  auto flush = [&] {
    if (!pendingBytes.empty()) out += toUtf8(pendingBytes, pendingCharset);
    pendingBytes.clear();
    pendingCharset.clear();
  };
  std::size_t at = 0;
  std::size_t lastWordEnd = std::string_view::npos;
  while (at < value.size()) {
    const std::size_t start = value.find("=?", at);
    if (start == std::string_view::npos) break;
    const std::size_t q1 = value.find('?', start + 2);
    const std::size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
    const std::size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      flush();
      out.append(value.substr(at, start + 2 - at));
      at = start + 2;
      lastWordEnd = std::string_view::npos;
      continue;
    }
    const std::string_view between = value.substr(at, start - at);
    const bool onlySpace = lastWordEnd == at && trim(between).empty();
    std::string charset(value.substr(start + 2, q1 - start - 2));
    if (const std::size_t star = charset.find('*'); star != std::string::npos)
      charset.erase(star);  // RFC 2231 language
    const char kind = value[q1 + 1];
    const std::string_view encoded = value.substr(q2 + 1, end - q2 - 1);
    std::string bytes;
    if (kind == 'B' || kind == 'b') {
      bytes = decodeBase64(encoded);
    } else if (kind == 'Q' || kind == 'q') {
      bytes = decodeQuotedPrintable(encoded, true);
    } else {
      flush();
      out.append(value.substr(at, end + 2 - at));
      at = end + 2;
      lastWordEnd = std::string_view::npos;
      continue;
    }
    if (!onlySpace || lower(charset) != lower(pendingCharset)) {
      flush();
      if (!onlySpace) out.append(between);  // whitespace between two encoded words is dropped
    }
    pendingCharset = charset;
    pendingBytes += bytes;
    at = end + 2;
    lastWordEnd = at;
  }
  flush();
  out.append(value.substr(std::min(at, value.size())));
  return out;
}

bool looksLikeMail(std::string_view data) {
  std::string_view head = data.substr(0, kSniffBytes);
  if (head.substr(0, 5) == "From ") head.remove_prefix(nextLine(head, 0));  // mbox's separator line
  static const std::array<std::string_view, 12> kKnown = {"from",       "to",           "subject",      "date",
                                                          "message-id", "mime-version", "received",     "return-path",
                                                          "cc",         "reply-to",     "content-type", "delivered-to"};
  static const std::array<std::string_view, 5> kStrong = {"from", "date", "received", "message-id", "mime-version"};
  int known = 0;
  bool strong = false;
  std::size_t at = 0;
  int lines = 0;
  while (at < head.size()) {
    const std::size_t end = nextLine(head, at);
    std::string_view line = head.substr(at, end - at);
    if (end == head.size() && line.back() != '\n') return false;  // the header block did not end here
    at = end;
    line = line.substr(0, line.find_first_of("\r\n"));
    if (line.empty()) return lines > 0 && known >= 2 && strong;
    if (line.front() == ' ' || line.front() == '\t') {
      if (lines == 0) return false;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 76) return false;
    for (const char c : line.substr(0, colon)) {
      if (c <= ' ' || c > '~') return false;
    }
    const std::string name = lower(line.substr(0, colon));
    if (std::find(kKnown.begin(), kKnown.end(), name) != kKnown.end()) ++known;
    if (std::find(kStrong.begin(), kStrong.end(), name) != kStrong.end()) strong = true;
    ++lines;
  }
  return false;
}

std::vector<std::string_view> splitMbox(std::string_view data) {
  if (data.substr(0, 5) != "From ") return {data};
  std::vector<std::string_view> messages;
  std::size_t start = nextLine(data, 0);
  std::size_t search = start;
  for (;;) {
    const std::size_t found = data.find("\nFrom ", search);  // the end of the line before
    if (found == std::string_view::npos) break;
    search = found + 1;
    // mbox writers quote "From " inside bodies as ">From ": a bare one after a blank line is a separator.
    const bool afterBlank =
        found >= 1 && (data[found - 1] == '\n' || (found >= 2 && data[found - 1] == '\r' && data[found - 2] == '\n'));
    if (!afterBlank) continue;
    messages.push_back(data.substr(start, found + 1 - start));
    start = nextLine(data, found + 1);
    search = start;
  }
  if (start < data.size()) messages.push_back(data.substr(start));
  return messages;
}

void readMail(std::string_view message, std::size_t maxParts, const MailPartVisitor& visit,
              std::vector<std::string>& problems) {
  Reader(maxParts, visit, problems).entity(message, 0, true, "text/plain");
}

}  // namespace mamori::scan
