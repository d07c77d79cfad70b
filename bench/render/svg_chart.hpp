// bench/render/svg_chart.hpp: one program's results drawn as an SVG bar chart: a panel per comparison,
// a horizontal bar per side (time per operation, ours in blue, peers in orange, missing ones named
// with the reason), and under each peer its ratio "ours / peer".
#pragma once

#include <string>

#include "results.hpp"

namespace threadlings::bench::render {

/// The whole SVG document (UTF-8 text) for `results`. Pure: no I/O.
/// @threadsafety Safe to call from any thread.
[[nodiscard]] std::string svg_chart(const ProgramResults& results);

}  // namespace threadlings::bench::render
