// Helpers shared by lesson 09's tests.
#include "test_support.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include "threadlings/child_process.hpp"
#include "threadlings/io.hpp"

namespace lesson09_test {

namespace {

std::string prefix_of_this_process() { return "threadlings-09-" + std::to_string(::getpid()) + "-"; }

}  // namespace

std::string unique_segment_name(const std::string& label) {
  static std::atomic<int> counter{0};
  return "/" + prefix_of_this_process() + std::to_string(counter.fetch_add(1)) + "-" + label;
}

std::vector<std::string> segments_of_this_process() {
  std::vector<std::string> names;
  const std::string prefix = prefix_of_this_process();
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

bool is_mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  const std::string path = "/dev/shm" + name;
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(path) != std::string::npos) return true;
  }
  return false;
}

void SharedMemoryTest::SetUp() {
  owner_ = ::getpid();
  NoLeaksTest::SetUp();
}

void SharedMemoryTest::TearDown() {
  if (::getpid() != owner_) ::_exit(kEscapedIntoTheTest);
  NoLeaksTest::TearDown();
  for (const std::string& name : segments_of_this_process()) {
    ADD_FAILURE() << "the test left shared memory segment /" << name
                  << " in /dev/shm (every segment needs one unlink, also on the error path)";
    ::shm_unlink(("/" + name).c_str());
  }
}

Notice::Notice() : pipe_(threadlings::make_pipe()) {}

void Notice::send() { threadlings::write_all(pipe_.write_end.get(), std::as_bytes(std::span("!", 1))); }

bool Notice::wait() {
  std::byte byte{};
  return threadlings::read_full(pipe_.read_end.get(), std::span(&byte, 1)) == 1;
}

Hold::Hold() : pipe_(threadlings::make_pipe()) {}

void Hold::wait() {
  pipe_.write_end.reset();
  std::byte byte{};
  (void)threadlings::read_full(pipe_.read_end.get(), std::span(&byte, 1));
}

}  // namespace lesson09_test
