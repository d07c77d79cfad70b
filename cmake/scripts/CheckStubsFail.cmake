# selfcheck.lessonNN.stubs — run with: cmake -DTEST_BINARY=... -DSOURCE_ROOT=... -DLESSON_DIR=... -P
#
# A test that passes against the untouched stub cannot tell a student that the exercise is unfinished.
# This runs every test case of the exercise binary in its own process (a crash costs one case, not the
# check) and fails unless every case fails. When the student has edited the lesson's exercise files
# the check means nothing, so it reports itself skipped instead.
foreach(var IN ITEMS TEST_BINARY SOURCE_ROOT LESSON_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckStubsFail.cmake: -D${var}=... is required")
  endif()
endforeach()

find_program(GIT_PROGRAM git)
if(GIT_PROGRAM AND EXISTS "${SOURCE_ROOT}/.git")
  execute_process(
    COMMAND "${GIT_PROGRAM}" -C "${SOURCE_ROOT}" status --porcelain -- "exercises/${LESSON_DIR}"
    OUTPUT_VARIABLE edits RESULT_VARIABLE git_result)
  if(git_result EQUAL 0 AND NOT edits STREQUAL "")
    message(NOTICE "threadlings-selfcheck: skipped: exercises/${LESSON_DIR} has local edits, so it is no "
      "longer the untouched stub this check is about:\n${edits}")
    return()
  endif()
endif()

execute_process(COMMAND "${TEST_BINARY}" --gtest_list_tests
  OUTPUT_VARIABLE listing RESULT_VARIABLE list_result)
if(NOT list_result EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} --gtest_list_tests failed (${list_result})")
endif()

# --gtest_list_tests prints "Suite." lines followed by "  Case" lines (with "# GetParam() = ..." tails).
string(REPLACE "\n" ";" lines "${listing}")
set(cases "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ #][^ ]*\\.)")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^  ([^ ]+)")
    list(APPEND cases "${suite}${CMAKE_MATCH_1}")
  endif()
endforeach()
list(LENGTH cases total)
if(total EQUAL 0)
  message(FATAL_ERROR "${TEST_BINARY} has no tests")
endif()

set(passing "")
set(report "")
foreach(case IN LISTS cases)
  execute_process(COMMAND "${TEST_BINARY}" "--gtest_filter=${case}"
    OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result TIMEOUT 120)
  if(result EQUAL 0)
    list(APPEND passing "${case}")
  else()
    # The first line that tells the student what is missing: a stub's exception or a failed expectation.
    set(reason "exit ${result}")
    if(output MATCHES "not implemented yet: ([^\n\"]*)")
      set(reason "not implemented yet: ${CMAKE_MATCH_1}")
    elseif(output MATCHES "Failure\n([^\n]*)")
      set(reason "${CMAKE_MATCH_1}")
    elseif(output MATCHES "no progress for [0-9]+ s: likely deadlock")
      set(reason "watchdog: ${CMAKE_MATCH_0}")
    endif()
    string(APPEND report "  fails as it should: ${case} — ${reason}\n")
  endif()
endforeach()

message(STATUS "exercises/${LESSON_DIR} stubs:\n${report}")
if(passing)
  list(JOIN passing "\n  " passing_lines)
  message(FATAL_ERROR "These tests PASS against the untouched stubs of exercises/${LESSON_DIR}, so they "
    "cannot detect an unfinished exercise (make the stub throw threadlings::NotImplemented or the "
    "test check the behaviour the exercise asks for):\n  ${passing_lines}")
endif()
message(STATUS "all ${total} tests fail against the untouched stubs")
