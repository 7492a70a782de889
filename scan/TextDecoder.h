#pragma once
// Japanese text in the encodings still found on company PCs, turned into UTF-8 so that one UTF-8
// YARA string and the detectors match every copy. Pure: bytes in, text out.

#include <optional>
#include <string>
#include <string_view>

namespace mamori::scan {

enum class TextEncoding { kUnknown, kUtf8, kUtf16Le, kUtf16Be, kShiftJis, kEucJp, kIso2022Jp };

const char* encodingName(TextEncoding encoding);  // "UTF-8", "UTF-16LE", "CP932", ...

// Guesses the encoding of data from a byte-order mark, ISO-2022-JP escape sequences (mail's 7-bit
// Japanese), UTF-8 validity, NUL patterns and the byte structure of Shift_JIS (CP932) and EUC-JP.
// kUnknown for binary data or plain ASCII without a hint.
TextEncoding detectEncoding(std::string_view data);

// The encoding a MIME or HTML charset label names ("ISO-2022-JP", "Shift_JIS", "x-sjis", "EUC-JP",
// "utf-8", "UTF-16LE", "us-ascii", ...; case does not matter); kUnknown for other labels (their bytes
// are left for detectEncoding).
TextEncoding encodingForCharset(std::string_view charset);

// data transcoded to UTF-8 when it is text in another encoding; nullopt when it is already UTF-8
// (or ASCII) or does not look like text. Invalid sequences become U+FFFD.
std::optional<std::string> decodeToUtf8(std::string_view data);

// Transcodes with iconv; invalid sequences become U+FFFD. kUtf8/kUnknown return the input.
std::string transcodeToUtf8(std::string_view data, TextEncoding from);

// Loads the converters transcodeToUtf8 uses and keeps one of each open for the life of the process,
// so that later conversions find them loaded. The sandbox worker calls it before its system-call
// filter forbids opening the C library's gconv modules. False when one cannot be loaded.
bool preloadConverters();

// Runs of at least minChars plausible UTF-16LE characters inside binary data, as UTF-8 lines. Legacy
// Office files (.doc, .xls, .ppt: OLE2 compound files) keep Japanese text this way; there is no
// need to parse the compound file to find it.
std::string utf16leRuns(std::string_view data, std::size_t minChars);

}  // namespace mamori::scan
