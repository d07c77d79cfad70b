#pragma once
/// @file
/// Copying a course tree while leaving parts of it out, and keeping a copy in step with its source.

#include <filesystem>
#include <functional>
#include <set>

namespace threadlings::cli {

/// Copies the files under `from` to `to` (created if needed), skipping every path, relative to
/// `from`, for which `skip` returns true (a skipped folder is not entered). A file in `to` that
/// already has the same contents is left untouched, so that its time stamp, and any build that
/// depends on it, stays as it was; other existing files are overwritten. Symbolic links are copied as
/// links. Returns every path, relative to `to`, that now holds something from `from`.
/// Throws std::filesystem::filesystem_error.
std::set<std::filesystem::path> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to,
                                          const std::function<bool(const std::filesystem::path& relative)>& skip);

/// Removes from `root` every file, link and folder whose path relative to `root` is not in `keep`
/// (what an earlier copy left there and the newest one no longer has).
/// Throws std::filesystem::filesystem_error.
void remove_all_except(const std::filesystem::path& root, const std::set<std::filesystem::path>& keep);

}  // namespace threadlings::cli
