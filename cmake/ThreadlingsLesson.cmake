# threadlings_lesson(): everything one lesson builds, called from lessons/NN_slug/CMakeLists.txt.
#
#   threadlings_lesson(
#     SOURCES  thread.cpp            # the student's files: exercises/NN_slug/ and solutions/NN_slug/
#     TESTS    thread_test.cpp       # GoogleTest sources in tests/NN_slug/
#     DEMOS    compute.cpp           # runnable demos in lessons/NN_slug/, linked to the track's code
#     LIBRARIES Threads::Threads     # extra libraries the lesson's code needs
#     DEMO_LESSONS 05 10)            # earlier lessons whose code (same track) the demos also use
#
# For each track (exercise, solution) whose folder exists and whose option is ON it builds:
#   lessonNN_<track>             static library of the track's SOURCES (headers beside them)
#   lessonNN_<track>_tests       the lesson's tests linked against that library; every GoogleTest case
#                                is a ctest test "lessonNN.<track>.Suite.Case", labelled lessonNN and <track>
#   lessonNN_<track>_hidden_tests  the instructor's hidden tests (tests/NN_slug/hidden/), when present
#   demos/<track>/NN_slug/<demo> each demo, linked against the track's library
# With THREADLINGS_SELFCHECKS it also registers selfcheck.lessonNN.stubs (the untouched stubs fail every
# test) and selfcheck.lessonNN.mutant.<name> for each tests/NN_slug/mutants/<name>.patch (caught).
#
# Why each test file compiles once per track: the two tracks have different headers (the student may
# add members). Why the student's code sits in .cpp files: an edit then recompiles one small file and
# relinks, which is what keeps `threadlings check` under two seconds.

set(THREADLINGS_SCRIPTS_DIR "${CMAKE_CURRENT_LIST_DIR}/scripts")

# Every GoogleTest case of `binary` becomes a ctest test "<prefix>Suite.Case", labelled `track`, with
# the per-test timeout and the watchdog's limit. Discovery runs at test time (PRE_TEST), so a build
# never runs test code. One label here: a list would swallow the properties after it; the lesson label
# comes from the directory, and ctest merges the two.
function(_threadlings_discover_tests binary prefix track)
  gtest_discover_tests(${binary}
    TEST_PREFIX "${prefix}"
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS ${track} TIMEOUT ${THREADLINGS_TEST_TIMEOUT}
      ENVIRONMENT "THREADLINGS_WATCHDOG_SECONDS=${THREADLINGS_WATCHDOG_SECONDS}")
endfunction()

# Per-test ctest timeout: the watchdog reports first, ctest's kill is the backstop.
math(EXPR THREADLINGS_TEST_TIMEOUT "${THREADLINGS_WATCHDOG_SECONDS} * 2 + 10")

function(threadlings_lesson)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "SOURCES;TESTS;DEMOS;LIBRARIES;DEMO_LESSONS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "threadlings_lesson: unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_SOURCES OR NOT arg_TESTS)
    message(FATAL_ERROR "threadlings_lesson: SOURCES and TESTS are required")
  endif()
  get_filename_component(lesson_dir "${CMAKE_CURRENT_SOURCE_DIR}" NAME)
  if(NOT lesson_dir MATCHES "^([0-9][0-9])_[a-z0-9_]+$")
    message(FATAL_ERROR "lessons/${lesson_dir}: a lesson folder is named NN_slug (two digits, snake_case)")
  endif()
  set(lesson "lesson${CMAKE_MATCH_1}")
  set(root "${PROJECT_SOURCE_DIR}")

  # The lesson label goes on the directory: gtest_discover_tests loses PROPERTIES after a list of LABELS.
  set_property(DIRECTORY APPEND PROPERTY LABELS ${lesson})

  list(TRANSFORM arg_TESTS PREPEND "${root}/tests/${lesson_dir}/" OUTPUT_VARIABLE test_sources)

  # The solution first: with THREADLINGS_SHARE_OBJECTS the exercise track reuses its test and demo
  # objects.
  set(solution_test_objects "")
  foreach(track IN ITEMS solution exercise)
    string(TOUPPER "${track}" track_upper)
    set(code_dir "${root}/${track}s/${lesson_dir}")
    if(NOT THREADLINGS_${track_upper}_TRACK OR NOT IS_DIRECTORY "${code_dir}")
      continue()  # a student copy has no solutions/
    endif()

    set(library "${lesson}_${track}")
    list(TRANSFORM arg_SOURCES PREPEND "${code_dir}/" OUTPUT_VARIABLE track_sources)
    if(track STREQUAL "exercise")
      # The student's objects go straight into the test binary: an archive would add an `ar` and a
      # `ranlib` (about 0.2 s) to every edit's rebuild, and `check` has two seconds.
      add_library(${library} OBJECT ${track_sources})
    else()
      add_library(${library} STATIC ${track_sources})  # an archive: mutants link ahead of it (below)
    endif()
    target_include_directories(${library} PUBLIC "${code_dir}")
    target_link_libraries(${library}
      PUBLIC threadlings::common Threads::Threads ${arg_LIBRARIES}
      PRIVATE threadlings_project_options)
    target_precompile_headers(${library} REUSE_FROM threadlings_std_pch)
    # Stubs have unused parameters by design; warnings there would only bury the real ones.
    if(track STREQUAL "exercise")
      target_compile_options(${library} PRIVATE -Wno-unused-parameter)
    endif()

    # A demo that builds on earlier lessons links their code of the same track: the student's lab runs
    # on the student's own GIL, pool and loop. Those lessons must be configured (THREADLINGS_LESSONS).
    # Only demos link them: the tests of this lesson stay independent of how far the student got.
    set(track_demos "")
    if(THREADLINGS_BUILD_DEMOS)
      set(track_demos "${arg_DEMOS}")
    endif()
    set(demo_lessons "")
    set(missing_lessons "")
    foreach(other IN LISTS arg_DEMO_LESSONS)
      if(TARGET lesson${other}_${track})
        list(APPEND demo_lessons lesson${other}_${track})
      else()
        list(APPEND missing_lessons ${other})
      endif()
    endforeach()
    if(missing_lessons AND track_demos)
      message(STATUS "${lesson_dir}: ${track} demos not built: they need lessons ${missing_lessons}")
      set(track_demos "")
    endif()

    foreach(demo IN LISTS track_demos)
      get_filename_component(demo_name "${demo}" NAME_WE)
      set(demo_target "${lesson}_${demo_name}_${track}")
      set(solution_demo "${lesson}_${demo_name}_solution")
      if(track STREQUAL "exercise" AND THREADLINGS_SHARE_OBJECTS AND TARGET ${solution_demo})
        # Compiled once, linked twice: the link against the stubs still proves they define
        # everything the demo calls (else `threadlings run` would fail to build for the student).
        add_executable(${demo_target} $<TARGET_OBJECTS:${solution_demo}>)
      else()
        add_executable(${demo_target} "${CMAKE_CURRENT_SOURCE_DIR}/${demo}")
      endif()
      target_link_libraries(${demo_target} PRIVATE ${library} ${demo_lessons} threadlings::demo_support
        threadlings_project_options)
      set_target_properties(${demo_target} PROPERTIES
        OUTPUT_NAME "${demo_name}"
        RUNTIME_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/demos/${track}/${lesson_dir}")
      if(track STREQUAL "solution" AND THREADLINGS_BUILD_TESTS)
        # Demos must keep running: each one is smoke-tested in its --quick form.
        add_test(NAME "${lesson}.demo.${demo_name}" COMMAND ${demo_target} --quick)
        set_tests_properties("${lesson}.demo.${demo_name}" PROPERTIES
          LABELS "solution;demo" TIMEOUT 60
          WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
      endif()
    endforeach()

    if(NOT THREADLINGS_BUILD_TESTS)
      continue()
    endif()

    # Test objects are their own target so that mutants can reuse them instead of recompiling. When
    # both tracks are built and THREADLINGS_SHARE_OBJECTS is ON (the ci preset), the exercise
    # track links the solution's test objects instead of compiling the same tests again: the layout
    # self-check holds the two tracks' headers identical outside comments, so the objects are the same.
    # A student's build has one track and always compiles its own.
    if(track STREQUAL "exercise" AND THREADLINGS_SHARE_OBJECTS AND solution_test_objects)
      set(test_objects "${solution_test_objects}")
    else()
      set(test_objects "${lesson}_${track}_test_objects")
      add_library(${test_objects} OBJECT ${test_sources})
      target_link_libraries(${test_objects} PUBLIC ${library} threadlings::test_support
        PRIVATE threadlings_project_options)
      target_precompile_headers(${test_objects} REUSE_FROM threadlings_gtest_pch)
      if(track STREQUAL "solution")
        set(solution_test_objects "${test_objects}")
      endif()
    endif()

    set(test_binary "${lesson}_${track}_tests")
    add_executable(${test_binary} $<TARGET_OBJECTS:${test_objects}>)
    target_link_libraries(${test_binary} PRIVATE ${library} threadlings::test_support threadlings_sanitizers)
    _threadlings_discover_tests(${test_binary} "${lesson}.${track}." ${track})

    # Hidden tests (tests/NN_slug/hidden/, the instructor's only) get a binary of their own, so that
    # a grader can tell them apart; a student copy has none.
    file(GLOB hidden_sources CONFIGURE_DEPENDS "${root}/tests/${lesson_dir}/hidden/*.cpp")
    if(hidden_sources)
      set(hidden_binary "${lesson}_${track}_hidden_tests")
      add_executable(${hidden_binary} ${hidden_sources})
      target_precompile_headers(${hidden_binary} REUSE_FROM threadlings_gtest_pch)
      target_link_libraries(${hidden_binary} PRIVATE ${library} threadlings::test_support threadlings_project_options)
      _threadlings_discover_tests(${hidden_binary} "${lesson}.${track}.hidden." ${track})
    endif()

    if(THREADLINGS_SELFCHECKS AND track STREQUAL "exercise")
      _threadlings_stub_selfcheck(${lesson} ${lesson_dir} ${test_binary} stubs)
      if(hidden_sources)
        _threadlings_stub_selfcheck(${lesson} ${lesson_dir} ${hidden_binary} hidden_stubs)
      endif()
    endif()
    if(THREADLINGS_SELFCHECKS AND track STREQUAL "solution")
      _threadlings_mutant_selfchecks(${lesson} ${lesson_dir} "${arg_SOURCES}" "${test_sources}" ${test_objects})
    endif()
  endforeach()
endfunction()

# selfcheck.lessonNN.stubs: the exercise binary built from untouched stubs fails every test case.
function(_threadlings_stub_selfcheck lesson lesson_dir test_binary check)
  set(name "selfcheck.${lesson}.${check}")
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND}
      "-DTEST_BINARY=$<TARGET_FILE:${test_binary}>"
      "-DSOURCE_ROOT=${PROJECT_SOURCE_DIR}"
      "-DLESSON_DIR=${lesson_dir}"
      -P "${THREADLINGS_SCRIPTS_DIR}/CheckStubsFail.cmake")
  set_tests_properties(${name} PROPERTIES
    LABELS selfcheck TIMEOUT 600
    ENVIRONMENT "THREADLINGS_WATCHDOG_SECONDS=${THREADLINGS_WATCHDOG_SECONDS}"
    SKIP_REGULAR_EXPRESSION "threadlings-selfcheck: skipped")
endfunction()

# selfcheck.lessonNN.mutant.<name>: a copy of the solution with the mutant applied fails some test.
function(_threadlings_mutant_selfchecks lesson lesson_dir sources test_sources test_objects)
  set(root "${PROJECT_SOURCE_DIR}")
  file(GLOB patches CONFIGURE_DEPENDS "${root}/tests/${lesson_dir}/mutants/*.patch")
  if(NOT patches)
    return()
  endif()
  find_program(THREADLINGS_PATCH_PROGRAM patch REQUIRED)
  file(GLOB_RECURSE solution_files CONFIGURE_DEPENDS "${root}/solutions/${lesson_dir}/*")
  list(SORT patches)
  foreach(patch IN LISTS patches)
    get_filename_component(mutant "${patch}" NAME_WE)
    if(NOT mutant MATCHES "^[a-z0-9_]+$")
      message(FATAL_ERROR "${patch}: a mutant is named in snake_case")
    endif()
    # Which files does it touch? Every one must be inside this lesson's solution folder.
    file(STRINGS "${patch}" targets REGEX "^\\+\\+\\+ ")
    set(copy_root "${CMAKE_CURRENT_BINARY_DIR}/mutants/${mutant}")
    set(copy_dir "${copy_root}/solutions/${lesson_dir}")
    set(touches_header FALSE)
    set(patched_sources "")
    foreach(line IN LISTS targets)
      string(REGEX REPLACE "^\\+\\+\\+ (b/)?([^\t ]+).*$" "\\2" path "${line}")
      if(NOT path MATCHES "^solutions/${lesson_dir}/")
        message(FATAL_ERROR "${patch}: patches ${path}; a mutant may only patch solutions/${lesson_dir}/")
      endif()
      string(REGEX REPLACE "^solutions/${lesson_dir}/" "" file_name "${path}")
      if(NOT path MATCHES "\\.cpp$")
        set(touches_header TRUE)
      elseif(NOT file_name IN_LIST sources)
        message(FATAL_ERROR "${patch}: patches ${path}, which is not among the lesson's SOURCES")
      else()
        list(APPEND patched_sources "${copy_dir}/${file_name}")
      endif()
    endforeach()
    list(TRANSFORM sources PREPEND "${copy_dir}/" OUTPUT_VARIABLE mutant_sources)
    add_custom_command(
      OUTPUT ${mutant_sources}
      COMMAND ${CMAKE_COMMAND}
        "-DPATCH=${patch}" "-DSOURCE_DIR=${root}/solutions/${lesson_dir}" "-DCOPY_ROOT=${copy_root}"
        "-DCOPY_DIR=${copy_dir}" "-DPATCH_PROGRAM=${THREADLINGS_PATCH_PROGRAM}"
        -P "${THREADLINGS_SCRIPTS_DIR}/ApplyMutant.cmake"
      DEPENDS "${patch}" ${solution_files} "${THREADLINGS_SCRIPTS_DIR}/ApplyMutant.cmake"
      COMMENT "Applying mutant ${lesson_dir}/${mutant}"
      VERBATIM)

    set(library "${lesson}_mutant_${mutant}")
    set(test_binary "${lesson}_mutant_${mutant}_tests")
    if(touches_header)
      # A changed header can change every file that includes it: the whole lesson and its tests recompile.
      add_library(${library} STATIC ${mutant_sources})
      target_precompile_headers(${library} REUSE_FROM threadlings_std_pch)
      target_include_directories(${library} PUBLIC "${copy_dir}")
      get_target_property(lesson_libraries ${lesson}_solution LINK_LIBRARIES)
      target_link_libraries(${library} PUBLIC ${lesson_libraries})
      target_link_libraries(${library} PRIVATE threadlings_sanitizers)
      add_executable(${test_binary} ${test_sources})
      target_precompile_headers(${test_binary} REUSE_FROM threadlings_gtest_pch)
      target_link_libraries(${test_binary} PRIVATE ${library} threadlings::test_support threadlings_sanitizers)
    else()
      # Only the patched .cpp files recompile. Their objects are linked as objects, which the linker
      # always takes, ahead of the solution's archive, from which it then takes only the files that
      # define something still missing: the unpatched ones. (A mutant that dropped a definition would
      # pull the original file in too, and the duplicate symbols would fail the link loudly.)
      add_library(${library} OBJECT ${patched_sources})
      target_precompile_headers(${library} REUSE_FROM threadlings_std_pch)
      # A mutant only has to build and fail a test: no line tables (-g0), and the build's -Og, which
      # keeps the precompiled header usable (-O0 would not: no __OPTIMIZE__).
      target_compile_options(${library} PRIVATE $<$<NOT:$<CONFIG:Debug>>:-Og -g0>)
      target_include_directories(${library} BEFORE PRIVATE "${copy_dir}")
      target_link_libraries(${library} PRIVATE ${lesson}_solution threadlings_sanitizers)
      add_executable(${test_binary} $<TARGET_OBJECTS:${test_objects}> $<TARGET_OBJECTS:${library}>)
      target_link_libraries(${test_binary} PRIVATE ${lesson}_solution threadlings::test_support threadlings_sanitizers)
    endif()

    set(name "selfcheck.${lesson}.mutant.${mutant}")
    add_test(NAME ${name}
      COMMAND ${CMAKE_COMMAND}
        "-DTEST_BINARY=$<TARGET_FILE:${test_binary}>" "-DPATCH=${patch}"
        -P "${THREADLINGS_SCRIPTS_DIR}/CheckMutantCaught.cmake")
    # A deadlocking mutant is caught by the watchdog; a short fuse keeps CI fast (a fifth of the mutants
    # are caught that way). 3 s is still 5x the slowest solution test (0.6 s, starting python3), and
    # the stack dump, useless here, would cost a second more.
    set_tests_properties(${name} PROPERTIES LABELS "selfcheck;mutant" TIMEOUT 300
      ENVIRONMENT "THREADLINGS_WATCHDOG_SECONDS=3;THREADLINGS_WATCHDOG_GDB=0")
  endforeach()
endfunction()

# Course-wide self-checks: TODO markers in every exercise file; four parts per lesson and their files.
function(threadlings_course_selfchecks)
  foreach(check IN ITEMS todo_markers layout)
    add_test(NAME selfcheck.${check}
      COMMAND ${CMAKE_COMMAND} "-DSOURCE_ROOT=${PROJECT_SOURCE_DIR}" -DCHECK=${check}
        -P "${THREADLINGS_SCRIPTS_DIR}/CheckCourse.cmake")
    set_tests_properties(selfcheck.${check} PROPERTIES LABELS selfcheck TIMEOUT 60)
  endforeach()
endfunction()
