#pragma once
/// @file
/// Copying a course tree while leaving parts of it out.

#include <filesystem>
#include <functional>

namespace threadlings::cli {

/// Copies the files under `from` to `to` (created if needed), skipping every path, relative to
/// `from`, for which `skip` returns true (a skipped folder is not entered). Existing files in `to` are
/// overwritten. Symbolic links are copied as links. Throws std::filesystem::filesystem_error.
void copy_tree(const std::filesystem::path& from, const std::filesystem::path& to,
               const std::function<bool(const std::filesystem::path& relative)>& skip);

}  // namespace threadlings::cli
