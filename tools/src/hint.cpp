#include "hint.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace threadlings::cli {
namespace {

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \n");
  const auto end = text.find_last_not_of(" \n");
  return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
}

std::filesystem::path level_memory(const CourseTree& tree, const Lesson& lesson) {
  return tree.build / ".threadlings" / ("hint-level-" + lesson.number);
}

}  // namespace

std::vector<HintSection> parse_hints(const std::string& markdown) {
  std::vector<HintSection> sections;
  std::istringstream in(markdown);
  std::string line;
  std::string* layer = nullptr;  // where the lines being read belong
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) {
      sections.push_back({trimmed(line.substr(3)), {}});
      layer = nullptr;
    } else if (line.starts_with("### Layer ") && !sections.empty()) {
      sections.back().layers.emplace_back();
      layer = &sections.back().layers.back();
    } else if (layer != nullptr) {
      *layer += line + "\n";
    }
  }
  for (auto& section : sections) {
    for (auto& text : section.layers) text = trimmed(text);
  }
  return sections;
}

void show_hints(std::ostream& out, const CourseTree& tree, const Lesson& lesson, std::optional<int> level) {
  if (level && (*level < 1 || *level > 3)) {
    throw std::invalid_argument("--level is 1 (the concept), 2 (a pointer) or 3 (a near-answer), not " +
                                std::to_string(*level));
  }
  const auto path = tree.source / "lessons" / lesson.folder / "hints.md";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("lesson " + lesson.number + " has no hints (" + path.string() + ")");
  std::stringstream markdown;
  markdown << in.rdbuf();
  const auto sections = parse_hints(markdown.str());

  const auto memory = level_memory(tree, lesson);
  if (!level) {
    int shown = 0;
    std::ifstream remembered(memory);
    remembered >> shown;
    level = std::min(shown + 1, 3);
  }
  std::filesystem::create_directories(memory.parent_path());
  std::ofstream(memory) << *level << '\n';

  static const char* const kLayerNames[] = {"", "the concept", "a pointer", "a near-answer"};
  out << "Lesson " << lesson.number << " hints, layer " << *level << " of 3 (" << kLayerNames[*level] << ")\n\n";
  for (const auto& section : sections) {
    out << "## " << section.title << "\n\n";
    const auto index = static_cast<std::size_t>(*level - 1);
    out << (index < section.layers.size() ? section.layers[index] : std::string("(no hint at this layer)")) << "\n\n";
  }
  if (*level < 3) {
    out << "Still stuck? ./threadlings hint " << lesson.number << "   (shows layer " << *level + 1 << ")\n";
  }
}

}  // namespace threadlings::cli
