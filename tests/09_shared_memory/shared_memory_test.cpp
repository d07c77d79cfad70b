// Tests of lesson 09's SharedMemory and OwnedSharedMemory: named segments that any process can attach
// to, with Python's errors and Python's lifetime (close unmaps, unlink removes the name).
#include "shared_memory.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"
#include "threadlings/testing/forked_child.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using threadlings::testing::ForkedChild;
using lesson09_test::is_mapped;
using lesson09_test::segments_of_this_process;
using lesson09_test::unique_segment_name;
using threadlings::lesson09::check_segment_name;
using threadlings::lesson09::FileExistsError;
using threadlings::lesson09::FileNotFoundError;
using threadlings::lesson09::InvalidNameError;
using threadlings::lesson09::kMaxNameLength;
using threadlings::lesson09::OwnedSharedMemory;
using threadlings::lesson09::SharedMemory;
using threadlings::lesson09::SharedMemoryError;

// Whether the name exists in the system right now (a file in /dev/shm).
bool exists(const std::string& name) {
  struct stat info {};
  return ::stat(("/dev/shm" + name).c_str(), &info) == 0;
}

// Expects `call` to throw InvalidNameError whose message quotes `quoted` and mentions `problem`.
template <typename Call>
void expect_invalid_name(Call call, const std::string& quoted, const std::string& problem) {
  try {
    call();
    ADD_FAILURE() << "no InvalidNameError for '" << quoted << "'";
  } catch (const InvalidNameError& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find(quoted), std::string::npos) << what;
    EXPECT_NE(what.find(problem), std::string::npos) << what;
  }
}

// Portable names are accepted: a slash, then up to 255 characters without another slash.
TEST(SegmentName, PortableNamesAreAccepted) {
  EXPECT_NO_THROW(check_segment_name("/a"));
  EXPECT_NO_THROW(check_segment_name("/threadlings-09-demo.1"));
  EXPECT_NO_THROW(check_segment_name("/" + std::string(kMaxNameLength, 'n')));
}

// A name must start with '/'.
TEST(SegmentName, NameWithoutTheLeadingSlashIsRejected) {
  expect_invalid_name([] { check_segment_name("no-slash"); }, "no-slash", "'/'");
  expect_invalid_name([] { check_segment_name(""); }, "''", "'/'");
}

// No '/' after the first character.
TEST(SegmentName, SecondSlashIsRejected) {
  expect_invalid_name([] { check_segment_name("/dir/name"); }, "/dir/name", "'/'");
  expect_invalid_name([] { check_segment_name("//twice"); }, "//twice", "'/'");
}

// "/" alone, "/." and "/.." are not names.
TEST(SegmentName, EmptyAndDotNamesAreRejected) {
  EXPECT_THROW(check_segment_name("/"), InvalidNameError);
  EXPECT_THROW(check_segment_name("/."), InvalidNameError);
  EXPECT_THROW(check_segment_name("/.."), InvalidNameError);
  EXPECT_THROW(check_segment_name(std::string("/a\0b", 4)), InvalidNameError);
}

// 256 characters after the slash are too many.
TEST(SegmentName, TooLongNameIsRejected) {
  EXPECT_THROW(check_segment_name("/" + std::string(kMaxNameLength + 1, 'n')), InvalidNameError);
}

// Every test here creates segments: none may be left in /dev/shm, nor any descriptor or child.
class SharedMemoryTest : public lesson09_test::SharedMemoryTest {};
class OwnedSharedMemoryTest : public lesson09_test::SharedMemoryTest {};

// create() and attach() check the name before touching the system.
TEST_F(SharedMemoryTest, CreateAndAttachRejectInvalidNames) {
  EXPECT_THROW((void)SharedMemory::create("threadlings-09-no-slash", 64), InvalidNameError);
  EXPECT_THROW((void)SharedMemory::attach("threadlings-09-no-slash"), InvalidNameError);
  EXPECT_THROW((void)SharedMemory::create("/threadlings-09/nested", 64), InvalidNameError);
}

// create() gives a mapped, zero-filled segment of exactly the size asked for, under its name.
TEST_F(SharedMemoryTest, CreateGivesZeroedMemoryOfTheRequestedSize) {
  const std::string name = unique_segment_name("create");
  OwnedSharedMemory owned(name, 10'000);
  SharedMemory& segment = owned.get();
  EXPECT_EQ(segment.name(), name);
  EXPECT_EQ(segment.size(), 10'000U);
  ASSERT_EQ(segment.buf().size(), 10'000U);
  for (const std::byte byte : segment.buf()) ASSERT_EQ(byte, std::byte{0});
  EXPECT_TRUE(exists(name));
  EXPECT_TRUE(is_mapped(name));
}

// The segment's file in /dev/shm is for this user only (mode 0600), as Python makes it.
TEST_F(SharedMemoryTest, CreatedSegmentIsPrivateToItsUser) {
  const std::string name = unique_segment_name("mode");
  OwnedSharedMemory owned(name, 64);
  struct stat info {};
  ASSERT_EQ(::stat(("/dev/shm" + name).c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U) << "mode " << std::oct << (info.st_mode & 0777);
}

// A size of zero is refused (Python: ValueError), and nothing is created.
TEST_F(SharedMemoryTest, ZeroSizeIsRejected) {
  const std::string name = unique_segment_name("zero");
  EXPECT_THROW((void)SharedMemory::create(name, 0), std::invalid_argument);
  EXPECT_FALSE(exists(name));
}

// Creating a name that exists is FileExistsError, naming it, and the existing segment is untouched.
TEST_F(SharedMemoryTest, CreatingAnExistingNameThrowsFileExistsError) {
  const std::string name = unique_segment_name("exists");
  OwnedSharedMemory first(name, 100);
  first->buf()[0] = std::byte{42};
  try {
    SharedMemory second = SharedMemory::create(name, 200);
    ADD_FAILURE() << "created '" << name << "' twice";
  } catch (const FileExistsError& error) {
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
  SharedMemory view = SharedMemory::attach(name);
  EXPECT_EQ(view.size(), 100U) << "the failed create resized the existing segment";
  EXPECT_EQ(view.buf()[0], std::byte{42});
}

// Attaching a name nobody created is FileNotFoundError, naming it.
TEST_F(SharedMemoryTest, AttachingAMissingNameThrowsFileNotFoundError) {
  const std::string name = unique_segment_name("missing");
  try {
    SharedMemory view = SharedMemory::attach(name);
    ADD_FAILURE() << "attached to '" << name << "', which does not exist";
  } catch (const FileNotFoundError& error) {
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
  EXPECT_FALSE(exists(name)) << "attach() created the segment";
}

// attach() learns the size from the segment itself (fstat), whatever it is: not a page, not a guess.
TEST_F(SharedMemoryTest, AttachReadsTheSizeOfTheSegment) {
  const std::string name = unique_segment_name("size");
  OwnedSharedMemory owned(name, 10'000);
  owned->buf()[9'999] = std::byte{7};
  SharedMemory view = SharedMemory::attach(name);
  ASSERT_EQ(view.size(), 10'000U);
  EXPECT_EQ(view.buf().size(), 10'000U);
  EXPECT_EQ(view.buf()[9'999], std::byte{7});
}

// Two views of one segment are the same bytes: a write through one is read through the other.
TEST_F(SharedMemoryTest, WritesThroughOneViewAreSeenThroughAnother) {
  const std::string name = unique_segment_name("views");
  OwnedSharedMemory owned(name, 64);
  SharedMemory view = SharedMemory::attach(name);
  owned->buf()[3] = std::byte{1};
  EXPECT_EQ(view.buf()[3], std::byte{1});
  view.buf()[4] = std::byte{2};
  EXPECT_EQ(owned->buf()[4], std::byte{2});
}

// A child attaches by name (not through an inherited mapping) and its writes reach the creator.
TEST_F(SharedMemoryTest, ChildAttachesByNameAndItsWritesReachTheCreator) {
  const std::string name = unique_segment_name("child");
  OwnedSharedMemory owned(name, 4096);
  ForkedChild child([&name] {
    SharedMemory view = SharedMemory::attach(name);
    for (std::size_t i = 0; i < view.size(); ++i) view.buf()[i] = static_cast<std::byte>(i % 251);
    return view.size() == 4096 ? 0 : 1;
  });
  ASSERT_EQ(child.join(), 0);
  for (std::size_t i = 0; i < 4096; ++i) ASSERT_EQ(owned->buf()[i], static_cast<std::byte>(i % 251)) << i;
}

// Destroying a SharedMemory unmaps it but leaves the segment, with its contents, for others (Python too).
TEST_F(SharedMemoryTest, DestructorClosesButDoesNotUnlink) {
  const std::string name = unique_segment_name("dtor");
  OwnedSharedMemory owned(name, 64);
  {
    SharedMemory view = SharedMemory::attach(name);
    view.buf()[0] = std::byte{9};
  }
  ASSERT_TRUE(exists(name)) << "the destructor unlinked the segment";
  SharedMemory again = SharedMemory::attach(name);
  EXPECT_EQ(again.buf()[0], std::byte{9});
}

// close() unmaps (the mapping is gone from /proc/self/maps), keeps name and size, and may be repeated.
TEST_F(SharedMemoryTest, CloseUnmapsTheView) {
  const std::string name = unique_segment_name("close");
  SharedMemory segment = SharedMemory::create(name, 64);
  ASSERT_TRUE(is_mapped(name));
  segment.close();
  EXPECT_FALSE(is_mapped(name)) << "close() left the segment mapped";
  EXPECT_TRUE(segment.closed());
  EXPECT_THROW((void)segment.buf(), std::logic_error);
  EXPECT_EQ(segment.size(), 64U);
  EXPECT_EQ(segment.name(), name);
  segment.close();
  EXPECT_TRUE(exists(name)) << "close() unlinked the segment";
  segment.unlink();
}

// unlink() removes the name: attach fails afterwards, existing views still work, and a second unlink
// is FileNotFoundError.
TEST_F(SharedMemoryTest, UnlinkRemovesTheNameButNotTheViews) {
  const std::string name = unique_segment_name("unlink");
  SharedMemory segment = SharedMemory::create(name, 64);
  segment.unlink();
  EXPECT_FALSE(exists(name));
  EXPECT_THROW((void)SharedMemory::attach(name), FileNotFoundError);
  segment.buf()[0] = std::byte{5};
  EXPECT_EQ(segment.buf()[0], std::byte{5});
  EXPECT_THROW(segment.unlink(), FileNotFoundError);
}

// A name can be created again once it was unlinked, and the new segment is a fresh one.
TEST_F(SharedMemoryTest, UnlinkedNameCanBeCreatedAgain) {
  const std::string name = unique_segment_name("again");
  {
    SharedMemory first = SharedMemory::create(name, 64);
    first.buf()[0] = std::byte{1};
    first.unlink();
  }
  OwnedSharedMemory second(name, 32);
  EXPECT_EQ(second->size(), 32U);
  EXPECT_EQ(second->buf()[0], std::byte{0});
}

// A segment that exists but was never sized can not be attached: a clear error, not a crash.
TEST_F(SharedMemoryTest, AttachingAnEmptySegmentThrows) {
  const std::string name = unique_segment_name("empty");
  {
    const threadlings::UniqueFd fd(::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600));
    ASSERT_TRUE(fd);
  }
  EXPECT_THROW((void)SharedMemory::attach(name), SharedMemoryError);
  ::shm_unlink(name.c_str());
}

// A moved-from SharedMemory is closed and nameless; the new owner has the mapping.
TEST_F(SharedMemoryTest, MoveTransfersTheView) {
  const std::string name = unique_segment_name("move");
  OwnedSharedMemory owned(name, 64);
  SharedMemory view = SharedMemory::attach(name);
  SharedMemory moved = std::move(view);
  EXPECT_TRUE(view.closed());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_TRUE(view.name().empty());
  EXPECT_EQ(moved.name(), name);
  moved.buf()[1] = std::byte{3};
  EXPECT_EQ(owned->buf()[1], std::byte{3});
}

// OwnedSharedMemory removes its segment when it goes out of scope.
TEST_F(OwnedSharedMemoryTest, UnlinksWhenItGoesOutOfScope) {
  const std::string name = unique_segment_name("owned");
  {
    OwnedSharedMemory owned(name, 64);
    ASSERT_TRUE(exists(name));
  }
  EXPECT_FALSE(exists(name));
  EXPECT_FALSE(is_mapped(name));
}

// An owner whose segment was unlinked already (by another process, say) ends quietly.
TEST_F(OwnedSharedMemoryTest, ToleratesAnEarlierUnlink) {
  const std::string name = unique_segment_name("early");
  {
    OwnedSharedMemory owned(name, 64);
    owned->unlink();
  }
  EXPECT_FALSE(exists(name));
  EXPECT_TRUE(segments_of_this_process().empty());
}

}  // namespace
