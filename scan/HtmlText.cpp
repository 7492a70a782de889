#include "scan/HtmlText.h"

#include <algorithm>

#include "scan/XmlText.h"

namespace mamori::scan {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Where the closing tag of a skipped element starts (case-insensitive), or the end.
std::size_t closingTag(std::string_view html, std::size_t from, const std::string& name) {
  for (std::size_t at = html.find("</", from); at != std::string_view::npos; at = html.find("</", at + 2)) {
    if (lower(html.substr(at + 2, name.size())) == name) return at;
  }
  return html.size();
}

}  // namespace

std::string htmlText(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  std::size_t at = 0;
  while (at < html.size()) {
    const char c = html[at];
    if (c == '<') {
      const std::size_t close = html.find('>', at);
      if (close == std::string_view::npos) break;
      std::string_view tag = html.substr(at + 1, close - at - 1);
      const bool ending = !tag.empty() && tag.front() == '/';
      if (ending) tag.remove_prefix(1);
      const std::size_t nameEnd = std::min(tag.find_first_of(" \t\r\n/"), tag.size());
      const std::string name = lower(tag.substr(0, nameEnd));
      at = close + 1;
      if (!ending && (name == "style" || name == "script" || name == "head" || name == "title")) {
        at = closingTag(html, at, name);
        continue;
      }
      if (name == "td" || name == "th") {
        out.push_back('\t');
      } else if (name == "p" || name == "br" || name == "div" || name == "tr" || name == "li" || name == "table" ||
                 (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6')) {
        out.push_back('\n');
      }
      continue;
    }
    if (c == '&') {
      if (html.substr(at, 6) == "&nbsp;") {  // the one HTML entity mail uses beyond XML's five
        out.push_back(' ');
        at += 6;
      } else {
        at += appendXmlEntity(out, html, at);
      }
      continue;
    }
    out.push_back(c);
    ++at;
  }
  return out;
}

}  // namespace mamori::scan
