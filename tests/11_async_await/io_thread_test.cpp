// Tests of lesson 11's awaitables that leave the loop's thread of control: readable()/writable() on
// real pipes (through epoll), and to_thread() (a worker thread, the eventfd, and back on the loop's
// thread). Nothing is mocked; no test sleeps to synchronize.
#include "awaitables.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <semaphore>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "event_loop.hpp"
#include "task.hpp"
#include "test_support.hpp"
#include "threadlings/testing/no_leaks.hpp"
#include "threadlings/testing/thread_state.hpp"
#include "threadlings/unique_fd.hpp"

namespace {

using namespace std::chrono_literals;
using namespace threadlings::lesson11;
using lesson11_test::now;
using lesson11_test::virtual_clock;
using threadlings::testing::current_tid;
using threadlings::testing::thread_count;
using threadlings::testing::wait_until_blocked;

class Readable : public threadlings::testing::NoLeaksTest {};
class Writable : public threadlings::testing::NoLeaksTest {};
class ToThread : public threadlings::testing::NoLeaksTest {};

void set_nonblocking(int fd) { ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0); }

// ---- readable / writable ------------------------------------------------------------------------

Task<std::string> read_when_ready(int fd, std::vector<std::string>* log) {
  log->push_back("waiting");
  co_await readable(fd);
  char buffer[32];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  log->push_back("read");
  co_return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0U);
}

Task<> write_now(int fd, std::vector<std::string>* log) {
  log->push_back("writing");
  if (::write(fd, "hello", 5) != 5) throw std::system_error(errno, std::generic_category(), "write");
  co_return;
}

Task<std::string> reader_and_writer(int read_fd, int write_fd, std::vector<std::string>* log) {
  Task<std::string> reader = create_task(read_when_ready(read_fd, log));
  co_await sleep(0s);  // the reader now waits in epoll
  co_await write_now(write_fd, log);
  co_return co_await reader;
}

// A task awaiting readable(fd) is suspended (other tasks run) until the pipe has data.
TEST_F(Readable, ResumesWhenThePipeHasData) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  std::vector<std::string> log;
  EXPECT_EQ(run(reader_and_writer(pipe.read_end.get(), pipe.write_end.get(), &log), virtual_clock()), "hello");
  EXPECT_EQ(log, (std::vector<std::string>{"waiting", "writing", "read"}));
}

Task<> readable_of(int fd) { co_await readable(fd); }

// epoll refuses a regular file (EPERM): the co_await throws std::system_error.
TEST_F(Readable, OfARegularFileThrowsSystemError) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  EXPECT_THROW(run(readable_of(fileno(file)), virtual_clock()), std::system_error);
  std::fclose(file);
}

Task<std::string> two_readers(int fd) {
  Task<> first = create_task(readable_of(fd));
  co_await sleep(0s);  // `first` waits for fd
  std::string what;
  try {
    co_await readable(fd);
    what = "accepted";
  } catch (const InvalidStateError&) {
    what = "InvalidStateError";
  }
  (void)first.cancel();
  try {
    co_await first;
  } catch (const CancelledError&) {
  }
  co_return what;
}

// Two tasks waiting for the same descriptor in the same direction: the second is refused (otherwise it
// would replace the first, which would then wait for ever).
TEST_F(Readable, ASecondTaskWaitingForTheSameDescriptorThrowsInvalidStateError) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  EXPECT_EQ(run(two_readers(pipe.read_end.get()), virtual_clock()), "InvalidStateError");
}

Task<std::pair<bool, bool>> cancel_a_reader(int fd) {
  Task<> reader = create_task(readable_of(fd));
  co_await sleep(0s);
  const bool watched = get_running_loop().has_reader(fd);
  (void)reader.cancel();
  try {
    co_await reader;
  } catch (const CancelledError&) {
  }
  co_return std::pair{watched, get_running_loop().has_reader(fd)};
}

// Cancelling a task that waits for a descriptor stops the loop watching it.
TEST_F(Readable, CancellingTheWaitStopsWatchingTheDescriptor) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  const auto [while_waiting, after_cancel] = run(cancel_a_reader(pipe.read_end.get()), virtual_clock());
  EXPECT_TRUE(while_waiting);
  EXPECT_FALSE(after_cancel);
}

Task<std::size_t> write_everything(int fd, std::size_t total) {
  std::vector<char> data(total, 'x');
  std::size_t written = 0;
  while (written < total) {
    const ssize_t n = ::write(fd, data.data() + written, total - written);
    if (n > 0) {
      written += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EAGAIN) {
      co_await writable(fd);  // full: wait for the reader to make room
    } else {
      throw std::system_error(errno, std::generic_category(), "write");
    }
  }
  co_return written;
}

Task<std::size_t> read_everything(int fd, std::size_t total) {
  std::size_t received = 0;
  char buffer[4096];
  while (received < total) {
    co_await readable(fd);
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) received += static_cast<std::size_t>(n);
  }
  co_return received;
}

Task<std::pair<std::size_t, std::size_t>> writer_and_reader(int read_fd, int write_fd, std::size_t total) {
  Task<std::size_t> writer = create_task(write_everything(write_fd, total));
  Task<std::size_t> reader = create_task(read_everything(read_fd, total));
  const std::size_t written = co_await writer;
  const std::size_t received = co_await reader;
  co_return std::pair{written, received};
}

// A writer of 1 MiB into a 64 KiB pipe waits in writable() for the reader, which waits in readable():
// two tasks, one thread, both pipes ends non-blocking.
TEST_F(Writable, AWriterWaitsForRoomWhileAReaderDrainsThePipe) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  set_nonblocking(pipe.read_end.get());
  set_nonblocking(pipe.write_end.get());
  const std::size_t total = 1024 * 1024;
  const auto [written, received] = run(writer_and_reader(pipe.read_end.get(), pipe.write_end.get(), total), virtual_clock());
  EXPECT_EQ(written, total);
  EXPECT_EQ(received, total);
}

// ---- to_thread ------------------------------------------------------------------------------------

Task<std::pair<std::thread::id, std::thread::id>> where_things_run() {
  const std::thread::id worker = co_await to_thread([] { return std::this_thread::get_id(); });
  co_return std::pair{worker, std::this_thread::get_id()};
}

// to_thread() runs the function on a worker thread, and resumes the coroutine on the loop's thread.
TEST_F(ToThread, RunsTheFunctionOnAWorkerAndResumesOnTheLoopThread) {
  const auto [worker, resumed_on] = run(where_things_run(), virtual_clock());
  EXPECT_NE(worker, std::this_thread::get_id());
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

Task<std::string> thread_fails() {
  try {
    co_await to_thread([] { throw std::runtime_error("boom in a thread"); });
  } catch (const std::runtime_error& error) {
    co_return error.what();
  }
  co_return "no exception";
}

// What the function throws is rethrown by the co_await.
TEST_F(ToThread, RethrowsTheFunctionsException) { EXPECT_EQ(run(thread_fails(), virtual_clock()), "boom in a thread"); }

Task<> release(std::shared_ptr<std::binary_semaphore> gate) {
  gate->release();
  co_return;
}

Task<bool> blocked_function_released_by_a_task() {
  auto gate = std::make_shared<std::binary_semaphore>(0);
  // Waits for a task of the loop: only possible if the loop goes on while the function blocks. (The
  // limit is a liveness bound: a loop that blocked with it would fail the test after 30 s, not hang.)
  Task<bool> blocked = create_task(to_thread([gate] { return gate->try_acquire_for(std::chrono::seconds(30)); }));
  Task<> releaser = create_task(release(gate));
  const bool released = co_await blocked;
  co_await releaser;
  co_return released;
}

// While the function blocks its worker, the loop runs other tasks.
TEST_F(ToThread, OtherTasksRunWhileTheFunctionBlocks) {
  EXPECT_TRUE(run(blocked_function_released_by_a_task(), virtual_clock()));
}

Task<> sleep_and_log(std::vector<std::string>* log) {
  co_await sleep(1s);
  log->push_back("slept until " + std::to_string(static_cast<int>(now())));
}

// A lambda that captures an object with a destructor is named before the co_await: GCC 12 destroys
// such a temporary twice when it appears in the co_await expression itself (see the lesson's README).
Task<> thread_and_timer(std::shared_ptr<std::binary_semaphore> gate, std::vector<std::string>* log) {
  Task<> sleeper = create_task(sleep_and_log(log));
  auto wait_for_release = [gate] { (void)gate->try_acquire_for(std::chrono::seconds(30)); };
  co_await to_thread(std::move(wait_for_release));
  log->push_back("thread done at " + std::to_string(static_cast<int>(now())));
  co_await sleeper;
}

// Virtual time stands still while a thread works for the loop: the 1 s timer fires after the thread
// is done, however long the thread took in real time.
TEST_F(ToThread, VirtualTimeStandsStillWhileAThreadWorks) {
  auto gate = std::make_shared<std::binary_semaphore>(0);
  std::vector<std::string> log;
  const pid_t loop_tid = current_tid();
  std::jthread releaser([gate, loop_tid] {
    (void)wait_until_blocked(loop_tid);  // the loop waits in epoll_wait() for the thread
    gate->release();
  });
  run(thread_and_timer(gate, &log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"thread done at 0", "slept until 1"}));
}

Task<> gives_up_on_a_thread(std::shared_ptr<std::binary_semaphore> gate, std::vector<std::string>* log) {
  auto wait_for_release = [gate] { (void)gate->try_acquire_for(std::chrono::seconds(30)); };
  try {
    co_await to_thread(std::move(wait_for_release));
    log->push_back("thread returned");
  } catch (const CancelledError&) {
    log->push_back("cancelled at " + std::to_string(static_cast<int>(now())));
  }
  co_await sleep(5s);
  log->push_back("slept until " + std::to_string(static_cast<int>(now())));
}

Task<> cancel_while_in_thread(std::shared_ptr<std::binary_semaphore> gate, std::vector<std::string>* log) {
  Task<> task = create_task(gives_up_on_a_thread(gate, log));
  co_await sleep(0s);
  co_await sleep(0s);  // the task now waits for its thread
  (void)task.cancel();
  gate->release();  // the thread finishes; its result must not resume the task again
  co_await task;
}

// A task cancelled while its function runs stops waiting at once; when the thread finishes later,
// nothing resumes the task a second time (its 5 s sleep lasts 5 s).
TEST_F(ToThread, ACancelledWaitIsNotResumedWhenTheThreadFinishes) {
  auto gate = std::make_shared<std::binary_semaphore>(0);
  std::vector<std::string> log;
  run(cancel_while_in_thread(gate, &log), virtual_clock());
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled at 0", "slept until 5"}));
}

Task<int> uses_everything(int fd) {
  int total = 0;
  for (int i = 0; i < 4; ++i) total += co_await to_thread([i] { return i; });
  Task<> reader = create_task(readable_of(fd));
  co_await sleep(0s);
  (void)reader.cancel();
  try {
    co_await reader;
  } catch (const CancelledError&) {
  }
  co_return total;
}

// run() leaves nothing behind: worker threads joined, epoll descriptor and eventfd closed (the fixture
// checks the descriptors).
TEST_F(ToThread, RunLeavesNoThreadBehind) {
  threadlings::Pipe pipe = threadlings::make_pipe();
  const std::size_t before = thread_count();
  EXPECT_EQ(run(uses_everything(pipe.read_end.get()), virtual_clock()), 6);
  EXPECT_EQ(thread_count(), before);
}

Task<int> uses_a_thread_then_fails() {
  const int one = co_await to_thread([] { return 1; });
  if (one == 1) throw std::runtime_error("main failed");
  co_return one;
}

// On the error path too: run() rethrows, and the loop's threads are joined and its descriptors closed.
TEST_F(ToThread, AFailedRunStillJoinsItsThreadsAndClosesItsDescriptors) {
  const std::size_t before = thread_count();
  EXPECT_THROW((void)run(uses_a_thread_then_fails(), virtual_clock()), std::runtime_error);
  EXPECT_EQ(thread_count(), before);
}

}  // namespace
