#include "tree_copy.hpp"

namespace threadlings::cli {

void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to,
               const std::function<bool(const std::filesystem::path& relative)>& skip) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator(); ++it) {
    const fs::path relative = fs::relative(it->path(), from);
    if (skip(relative)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    const fs::path target = to / relative;
    if (it->is_symlink()) {
      fs::remove(target);
      fs::copy_symlink(it->path(), target);
    } else if (it->is_directory()) {
      fs::create_directories(target);
    } else {
      fs::copy_file(it->path(), target, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace threadlings::cli
