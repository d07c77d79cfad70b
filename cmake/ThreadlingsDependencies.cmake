# Third-party dependencies: the Debian package when installed, FetchContent otherwise.
include(FetchContent)

find_package(Threads REQUIRED)

# nlohmann-json: the trace recorder writes Chrome trace-event JSON with it.
find_package(nlohmann_json 3.10 QUIET)
if(NOT nlohmann_json_FOUND)
  message(STATUS "nlohmann-json not installed (Debian: nlohmann-json3-dev); fetching it")
  FetchContent_Declare(nlohmann_json
    GIT_REPOSITORY https://github.com/nlohmann/json.git
    GIT_TAG v3.11.3
    GIT_SHALLOW TRUE)
  FetchContent_MakeAvailable(nlohmann_json)
endif()

# CLI11: command-line flags of the demos and of the threadlings tool.
find_package(CLI11 2.1 CONFIG QUIET)
if(NOT CLI11_FOUND)
  message(STATUS "CLI11 not installed (Debian: libcli11-dev); fetching it")
  FetchContent_Declare(cli11
    GIT_REPOSITORY https://github.com/CLIUtils/CLI11.git
    GIT_TAG v2.3.2
    GIT_SHALLOW TRUE)
  FetchContent_MakeAvailable(cli11)
endif()

if(NOT THREADLINGS_BUILD_TESTS)
  return()
endif()

# GoogleTest. A sanitizer build compiles GoogleTest from source with the same instrumentation,
# so that TSan sees every lock GoogleTest takes and ASan every allocation it makes.
set(THREADLINGS_GTEST_SOURCE_DIR "/usr/src/googletest" CACHE PATH
  "GoogleTest sources used by sanitizer builds (Debian: googletest); fetched when absent")

function(threadlings_gtest_from_source)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  if(EXISTS "${THREADLINGS_GTEST_SOURCE_DIR}/CMakeLists.txt")
    add_subdirectory("${THREADLINGS_GTEST_SOURCE_DIR}" "${PROJECT_BINARY_DIR}/_deps/googletest" SYSTEM EXCLUDE_FROM_ALL)
  else()
    FetchContent_Declare(googletest
      GIT_REPOSITORY https://github.com/google/googletest.git
      GIT_TAG v1.14.0
      GIT_SHALLOW TRUE
      SYSTEM)
    FetchContent_MakeAvailable(googletest)
  endif()
  foreach(target IN ITEMS gtest gmock)
    target_link_libraries(${target} PRIVATE threadlings_sanitizers)
  endforeach()
  # GoogleTest >= 1.11 defines these aliases itself; older sources do not.
  if(NOT TARGET GTest::gtest)
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gmock ALIAS gmock)
  endif()
endfunction()

if(THREADLINGS_SANITIZER)
  threadlings_gtest_from_source()
else()
  find_package(GTest 1.10 QUIET)
  if(NOT GTest_FOUND)
    message(STATUS "GoogleTest not installed (Debian: libgtest-dev); building it from source")
    threadlings_gtest_from_source()
  endif()
endif()
