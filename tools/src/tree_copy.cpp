#include "tree_copy.hpp"

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace threadlings::cli {

namespace {

namespace fs = std::filesystem;

std::string contents_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// True when `copy` is a regular file with exactly the bytes of `original`.
bool same_contents(const fs::path& original, const fs::path& copy) {
  std::error_code error;
  if (!fs::is_regular_file(fs::symlink_status(copy, error))) return false;
  if (fs::file_size(original) != fs::file_size(copy)) return false;
  return contents_of(original) == contents_of(copy);
}

}  // namespace

std::set<fs::path> copy_tree(const fs::path& from, const fs::path& to,
                             const std::function<bool(const fs::path& relative)>& skip) {
  std::set<fs::path> copied;
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path relative = fs::relative(it->path(), from);
    if (skip(relative)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    const fs::path target = to / relative;
    copied.insert(relative);
    if (it->is_symlink()) {
      fs::remove(target);
      fs::copy_symlink(it->path(), target);
    } else if (it->is_directory()) {
      if (!fs::is_directory(fs::symlink_status(target))) fs::remove(target);
      fs::create_directories(target);
    } else if (!same_contents(it->path(), target)) {
      if (fs::is_directory(fs::symlink_status(target))) fs::remove_all(target);
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing);
    }
  }
  return copied;
}

void remove_all_except(const fs::path& root, const std::set<fs::path>& keep) {
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path relative = fs::relative(it->path(), root);
    if (!keep.contains(relative)) {
      stale.push_back(it->path());
      if (it->is_directory()) it.disable_recursion_pending();  // all of it goes
    }
  }
  for (const auto& path : stale) fs::remove_all(path);
}

}  // namespace threadlings::cli
