#pragma once
/// @file
/// Text made safe for XML: what the SVG writers (the timeline tool, the bench charts) put in a page.

#include <string>
#include <string_view>

namespace threadlings {

/// `text` made safe for XML character data and attribute values: & < > " ' become entities, and the
/// control characters XML 1.0 forbids (all below U+0020 but tab, newline, carriage return) become '?'.
///
/// @threadsafety A pure function: safe to call from any thread.
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace threadlings
