// Writing: a laid-out timeline as a standalone SVG document (colours, fonts, XML escaping). Decides
// nothing about positions: layout.hpp has done that.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "layout.hpp"

namespace threadlings::timeline {

/// Writes `layout` to `out` as an SVG 1.1 document with a white background (it stays readable in dark
/// page themes), one colour per legend entry, and a tooltip (<title>) on every bar.
void write_svg(std::ostream& out, const Layout& layout);

}  // namespace threadlings::timeline
