#include "threadlings/testing/interrupting_signal.hpp"

#include <semaphore.h>

#include <cerrno>
#include <system_error>

namespace threadlings::testing {

namespace {

// Posted by the handler: sem_post() is async-signal-safe, and interrupt() waits on it without polling.
sem_t delivered;

extern "C" void on_interrupting_signal(int /*signal*/) { sem_post(&delivered); }

}  // namespace

InterruptingSignal::InterruptingSignal() {
  if (sem_init(&delivered, 0, 0) != 0) throw std::system_error(errno, std::generic_category(), "sem_init");
  struct sigaction action {};
  action.sa_handler = &on_interrupting_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: the interrupted call returns EINTR (or a short count)
  if (sigaction(SIGUSR1, &action, &previous_) != 0) {
    const int error = errno;
    sem_destroy(&delivered);
    throw std::system_error(error, std::generic_category(), "sigaction SIGUSR1");
  }
}

InterruptingSignal::~InterruptingSignal() {
  sigaction(SIGUSR1, &previous_, nullptr);
  sem_destroy(&delivered);
}

void InterruptingSignal::interrupt(pthread_t thread) {
  if (const int error = pthread_kill(thread, SIGUSR1); error != 0) {
    throw std::system_error(error, std::generic_category(), "pthread_kill");
  }
  while (sem_wait(&delivered) != 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "sem_wait");
  }
}

}  // namespace threadlings::testing
