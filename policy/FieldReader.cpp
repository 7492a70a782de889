#include "policy/FieldReader.h"

#include <algorithm>
#include <limits>

namespace mamori::policy {

namespace {

std::string found(const common::JsonValue& value) { return ", found " + common::describeJson(value); }

// Parses an integer literal; false on overflow.
bool toInt64(const std::string& literal, std::int64_t& out) {
  bool negative = false;
  std::size_t i = 0;
  if (!literal.empty() && literal[0] == '-') {
    negative = true;
    i = 1;
  }
  // Accumulate negatively so INT64_MIN fits.
  std::int64_t value = 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (; i < literal.size(); ++i) {
    const int digit = literal[i] - '0';
    if (value < (kMin + digit) / 10) return false;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == kMin) return false;
    value = -value;
  }
  out = value;
  return true;
}

}  // namespace

bool readString(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::string& out,
                std::size_t maxBytes, bool allowEmpty) {
  if (value.kind != common::JsonKind::kString) {
    errors.add(pointer, "expected a string" + found(value));
    return false;
  }
  if (!allowEmpty && value.text.empty()) {
    errors.add(pointer, "expected a non-empty string, found \"\"");
    return false;
  }
  if (value.text.size() > maxBytes) {
    errors.add(pointer, "expected at most " + std::to_string(maxBytes) + " bytes, found a string of " +
                            std::to_string(value.text.size()));
    return false;
  }
  out = value.text;
  return true;
}

bool readBool(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, bool& out) {
  if (value.kind != common::JsonKind::kBool) {
    errors.add(pointer, "expected true or false" + found(value));
    return false;
  }
  out = value.boolean;
  return true;
}

bool readInteger(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::int64_t& out,
                 std::int64_t min, std::int64_t max) {
  const std::string expected = "expected an integer from " + std::to_string(min) + " to " + std::to_string(max);
  std::int64_t parsed = 0;
  if (!value.isInteger() || !toInt64(value.text, parsed) || parsed < min || parsed > max) {
    errors.add(pointer, expected + found(value));
    return false;
  }
  out = parsed;
  return true;
}

bool readMode(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, Mode& out) {
  const auto mode = value.kind == common::JsonKind::kString ? modeFromName(value.text) : std::nullopt;
  if (!mode) {
    errors.add(pointer, "expected one of \"enforce\", \"audit\", \"off\"" + found(value));
    return false;
  }
  out = *mode;
  return true;
}

bool readPath(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::string& out) {
  std::string path;
  if (!readString(value, pointer, errors, path, kMaxPathBytes)) return false;
  const bool rooted = path[0] == '/' || path.rfind("~/", 0) == 0;
  const bool dotdot = path == ".." || path.rfind("../", 0) == 0 || path.find("/../") != std::string::npos ||
                      (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0);
  if (!rooted || dotdot) {
    errors.add(pointer, "expected an absolute path or one starting with \"~/\", without \"..\"" + found(value));
    return false;
  }
  out = std::move(path);
  return true;
}

bool readArray(const common::JsonValue& value, const std::string& pointer, ErrorList& errors, std::size_t maxItems,
               const std::function<void(const common::JsonValue&, const std::string&)>& each) {
  if (value.kind != common::JsonKind::kArray) {
    errors.add(pointer, "expected an array" + found(value));
    return false;
  }
  if (value.items.size() > maxItems) {
    errors.add(pointer,
               "expected at most " + std::to_string(maxItems) + " items, found " + std::to_string(value.items.size()));
    return false;
  }
  for (std::size_t i = 0; i < value.items.size(); ++i) each(value.items[i], common::pointerAppend(pointer, i));
  return true;
}

bool readPathList(const common::JsonValue& value, const std::string& pointer, ErrorList& errors,
                  std::vector<std::string>& out) {
  std::vector<std::string> paths;
  bool itemsOk = true;
  const bool arrayOk =
      readArray(value, pointer, errors, kMaxListItems, [&](const common::JsonValue& item, const std::string& at) {
        std::string path;
        if (readPath(item, at, errors, path)) {
          paths.push_back(std::move(path));
        } else {
          itemsOk = false;
        }
      });
  if (!arrayOk || !itemsOk) return false;
  out = std::move(paths);
  return true;
}

ObjectReader::ObjectReader(const common::JsonValue& value, std::string pointer, ErrorList& errors)
    : value_(value), pointer_(std::move(pointer)), errors_(errors), isObject_(value.kind == common::JsonKind::kObject) {
  if (!isObject_) {
    errors_.add(pointer_, "expected an object" + found(value));
    finished_ = true;
  }
}

ObjectReader::~ObjectReader() { finish(); }

const common::JsonValue* ObjectReader::get(std::string_view key) {
  known_.emplace_back(key);
  return value_.find(key);
}

const common::JsonValue* ObjectReader::require(std::string_view key) {
  const common::JsonValue* value = get(key);
  if (value == nullptr && isObject_) errors_.add(pointerOf(key), "missing required key");
  return value;
}

void ObjectReader::string(std::string_view key, std::string& out, std::size_t maxBytes) {
  if (const common::JsonValue* v = get(key)) readString(*v, pointerOf(key), errors_, out, maxBytes);
}

void ObjectReader::boolean(std::string_view key, bool& out) {
  if (const common::JsonValue* v = get(key)) readBool(*v, pointerOf(key), errors_, out);
}

void ObjectReader::integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max) {
  if (const common::JsonValue* v = get(key)) readInteger(*v, pointerOf(key), errors_, out, min, max);
}

void ObjectReader::mode(std::string_view key, Mode& out) {
  if (const common::JsonValue* v = get(key)) readMode(*v, pointerOf(key), errors_, out);
}

void ObjectReader::pathList(std::string_view key, std::vector<std::string>& out) {
  if (const common::JsonValue* v = get(key)) readPathList(*v, pointerOf(key), errors_, out);
}

void ObjectReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (const auto& [key, value] : value_.members) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string message = "unknown key";
    std::string closest;
    std::size_t best = 3;  // suggest only close matches: at most 2 edits
    for (const auto& candidate : known_) {
      const std::size_t distance = editDistance(key, candidate);
      if (distance < best) {
        best = distance;
        closest = candidate;
      }
    }
    if (!closest.empty()) {
      message += " (did you mean \"" + closest + "\"?)";
    } else {
      message += "; expected one of:";
      for (std::size_t i = 0; i < known_.size(); ++i) message += (i == 0 ? " " : ", ") + known_[i];
    }
    errors_.add(pointerOf(key), std::move(message));
  }
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  if (a.size() > 64 || b.size() > 64) return std::max(a.size(), b.size());
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace mamori::policy
