#!/usr/bin/env bash
# End-to-end tests of the threadlings tool: `cli_test.sh NAME` runs one test (see CMakeLists.txt).
# Environment: THREADLINGS_TOOL (the tool built in this build), THREADLINGS_SANDBOX (where the
# copies live: a student's, built and used through its own tool, and one graded from outside, as an
# autograder does), THREADLINGS_COURSE (the course checkout, for solutions and pristine tests).
# Every test that changes the copy puts it back, also when it fails (an EXIT trap, with its paths
# expanded when it is set: a function's locals are gone by the time the script exits).
set -euo pipefail

tool=${THREADLINGS_TOOL:?} sandbox=${THREADLINGS_SANDBOX:?} course=${THREADLINGS_COURSE:?}
copy=$sandbox/course          # the student's copy, built with the student preset (cli.setup)
graded=$sandbox/graded        # a copy graded by the course's own tool, as an autograder does (cli.grade_setup)
lesson=02_thread_creation
other=03_start_and_join
export NO_COLOR=1

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_contains() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in:"$'\n'"$1"; }
# Runs the copy's own tool (its paths point into the copy), keeping output and exit status.
run() { set +e; output=$("$copy/build/student/tools/threadlings" "$@" 2>&1); status=$?; set -e; }
# A field of a JSON file, read with CMake's string(JSON); fails the test when the field is missing.
json_get() {
  local value
  value=$(cmake -DFILE="$1" -DPATH="$2" -P "$(dirname "${BASH_SOURCE[0]}")/json_get.cmake" 2>&1) ||
    fail "cannot read '$2' of $1: $value"
  echo "$value"
}
restore_exercise() { "$copy/build/student/tools/threadlings" reset "$1" --yes >/dev/null; }
finish_exercise() { cp "$course/solutions/$1/"*.cpp "$copy/exercises/$1/"; }
# The same for the graded copy, which has no student build (and so no tool of its own). It is graded
# as an instructor should grade: its exercises against the course's own tests (--tests-from), which
# also means one build for every grade test (the course's grade-staged folder), not two.
grade() { set +e; output=$("$tool" grade --submission "$graded" "$@" 2>&1); status=$?; set -e; }
grade_pristine() { grade --tests-from "$course" "$@"; }
restore_graded() { cp "$graded/.threadlings/pristine/exercises/$1/"* "$graded/exercises/$1/"; }
finish_graded() { cp "$course/solutions/$1/"*.cpp "$graded/exercises/$1/"; }

# The two copies are independent, so that the student tests and the grade tests run side by side.
setup() {
  rm -rf "$copy"
  mkdir -p "$sandbox"
  "$tool" export-student "$copy" >/dev/null
  # Line tables instead of full debug info (-g1 for the preset's -g): the copy builds in about 60 % of
  # the time, and nothing here steps through it with a debugger.
  (cd "$copy" && cmake --preset student -DTHREADLINGS_LESSONS="02" -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
     >"$sandbox/configure.log" 2>&1) ||
    { tail -20 "$sandbox/configure.log"; fail "the exported copy does not configure"; }
  cmake --build "$copy/build/student" >"$sandbox/build.log" 2>&1 ||
    { tail -20 "$sandbox/build.log"; fail "the exported copy does not build"; }
}

grade_setup() {
  rm -rf "$graded"
  mkdir -p "$sandbox"
  "$tool" export-student "$graded" >/dev/null
}

UnknownCommandExitsWithUsage() {
  run frobnicate
  [ "$status" -eq 2 ] || fail "exit $status, expected 2"
  expect_contains "$output" "frobnicate"
}

UnknownLessonExitsWithUsage() {
  run check 99
  [ "$status" -eq 2 ] || fail "exit $status, expected 2"
  expect_contains "$output" "no lesson '99'"
  expect_contains "$output" "02  Creating threads"
}

WrapperPrintsTheProgressTable() {
  set +e
  output=$("$copy/threadlings" --no-color 2>&1)
  status=$?
  set -e
  [ "$status" -eq 0 ] || fail "./threadlings exited $status: $output"
  expect_contains "$output" "Threadlings: your progress"
  expect_contains "$output" "Next: lesson 02"
}

UntouchedStubsListAsNotStarted() {
  run list
  [ "$status" -eq 0 ] || fail "list exited $status: $output"
  grep -qE "02  Creating threads .* 0/[0-9]+ not started" <<<"$output" || fail "lesson 02 not 'not started':"$'\n'"$output"
  expect_contains "$output" "Next: lesson 02"
}

ExportedCopyHasNoSolutionsHiddenTestsOrMutants() {
  [ ! -e "$copy/solutions" ] || fail "the copy has solutions/"
  [ -z "$(find "$copy/tests" -path '*/mutants*' -o -path '*/hidden*')" ] || fail "the copy has mutants or hidden tests"
  [ -f "$copy/.threadlings/pristine/exercises/$lesson/thread.cpp" ] || fail "no pristine copy for reset"
}

ExportedCopyStubsFailTheirTests() {
  set +e
  (cd "$copy" && ctest --preset student -L lesson02 >"$sandbox/stubs.log" 2>&1)
  local ctest_status=$?
  set -e
  [ "$ctest_status" -ne 0 ] || fail "the stubs passed their tests"
  grep -q "0% tests passed" "$sandbox/stubs.log" || fail "some stub test passed: $(grep 'tests passed' "$sandbox/stubs.log")"
}

CheckNamesWhatToImplement() {
  run check 02
  [ "$status" -eq 1 ] || fail "check of a stub exited $status"
  expect_contains "$output" "not implemented yet: Thread::"
  expect_contains "$output" "see lesson 02"
}

CompletedLessonIsDoneAndCheckPasses() {
  trap 'restore_exercise 02' EXIT
  finish_exercise $lesson
  run check 02
  [ "$status" -eq 0 ] || fail "check of a finished lesson exited $status: $output"
  expect_contains "$output" "tests pass."
  run list
  grep -qE "02  Creating threads .* done" <<<"$output" || fail "lesson 02 not listed as done:"$'\n'"$output"
}

CompileErrorIsReportedWithFileAndLine() {
  trap 'restore_exercise 02' EXIT
  echo "this does not compile" >>"$copy/exercises/$lesson/thread.cpp"
  run check 02
  [ "$status" -eq 1 ] || fail "exit $status"
  expect_contains "$output" "does not compile"
  grep -qE "exercises/$lesson/thread.cpp:[0-9]+:[0-9]+: error" <<<"$output" || fail "no file:line in:"$'\n'"$output"
}

HintShowsOneLayerAtATime() {
  rm -f "$copy/build/student/.threadlings/hint-level-02"
  run hint 02
  expect_contains "$output" "layer 1 of 3"
  run hint 02
  expect_contains "$output" "layer 2 of 3"
  run hint 02 --level 3
  expect_contains "$output" "layer 3 of 3"
  run hint 02 --level 4
  [ "$status" -eq 2 ] || fail "--level 4 exited $status"
}

ResetRestoresHandedOutFiles() {
  trap 'restore_exercise 02' EXIT
  echo "// my work" >>"$copy/exercises/$lesson/thread.cpp"
  run reset 02 </dev/null
  [ "$status" -eq 2 ] || fail "reset without --yes and without a terminal exited $status"
  grep -q "my work" "$copy/exercises/$lesson/thread.cpp" || fail "reset discarded without asking"
  run reset 02 --yes
  [ "$status" -eq 0 ] || fail "reset --yes exited $status"
  cmp -s "$copy/exercises/$lesson/thread.cpp" "$copy/.threadlings/pristine/exercises/$lesson/thread.cpp" ||
    fail "the file is not the handed-out one"
}

WatchReportsTheVerdictAfterASave() {
  trap 'restore_exercise 02' EXIT
  local log=$sandbox/watch.log
  "$copy/build/student/tools/threadlings" watch 02 --once >"$log" 2>&1 &
  local watcher=$!
  for _ in $(seq 600); do grep -q "Watching" "$log" && break; sleep 0.1; done  # the tool's own startup
  grep -q "Watching" "$log" || { kill $watcher; fail "watch never started watching: $(cat "$log")"; }
  finish_exercise $lesson
  wait $watcher || fail "watch --once exited non-zero after the lesson was finished: $(cat "$log")"
  grep -q "tests pass." "$log" || fail "no passing verdict: $(cat "$log")"
}

GradeScoresACompletedLessonInFull() {
  trap 'restore_graded $lesson' EXIT
  finish_graded $lesson
  grade_pristine --lesson 02 --format json --out "$sandbox/full.json"
  [ "$status" -eq 0 ] || fail "grade exited $status: $output"
  local score max_score
  score=$(json_get "$sandbox/full.json" score)
  max_score=$(json_get "$sandbox/full.json" max_score)
  [ "$max_score" = "100.0" ] || fail "max_score $max_score, expected lesson 02's 100 points"
  [ "$score" = "$max_score" ] || fail "score $score of $max_score"
}

GradeScoresANonCompilingLessonZeroAndGradesTheOthers() {
  trap 'restore_graded $lesson' EXIT
  echo "this does not compile" >>"$graded/exercises/$lesson/thread.cpp"
  grade_pristine --lesson 02 --lesson 03 --format json --out "$sandbox/broken.json"
  [ "$status" -eq 0 ] || fail "grade exited $status: $output"
  [ "$(json_get "$sandbox/broken.json" "lessons 0 number")" = "02" ] || fail "lessons[0] is not lesson 02"
  [ "$(json_get "$sandbox/broken.json" "lessons 0 compiled")" = "OFF" ] || fail "lesson 02 counted as compiled"
  [ "$(json_get "$sandbox/broken.json" "lessons 0 score")" = "0.0" ] || fail "lesson 02 scored"
  [ "$(json_get "$sandbox/broken.json" "lessons 1 compiled")" = "ON" ] || fail "lesson 03 not graded"
  [ "$(json_get "$sandbox/broken.json" "lessons 1 tests 0 status")" = "failed" ] || fail "lesson 03's tests did not run"
}

GradeTimesOutADeadlockByNameWithoutStalling() {
  trap 'restore_graded $lesson' EXIT
  finish_graded $lesson
  # A destructor that joins daemons too: Thread.DestructorLeavesDaemonRunning waits forever.
  sed -i 's|    thread_.detach();|    thread_.join();|' "$graded/exercises/$lesson/thread.cpp"
  grep -q "thread_.join();" "$graded/exercises/$lesson/thread.cpp" || fail "could not plant the deadlock"
  grade_pristine --lesson 02 --timeout 6 --format json --out "$sandbox/deadlock.json"
  [ "$status" -eq 0 ] || fail "grade exited $status: $output"
  grep -q '"status": "timed out"' "$sandbox/deadlock.json" || fail "no test timed out"
  grep -B3 -A3 '"status": "timed out"' "$sandbox/deadlock.json" | grep -q "DestructorLeavesDaemonRunning" ||
    fail "the timed-out test is not the deadlocking one"
  [ "$(grep -c '"status": "passed"' "$sandbox/deadlock.json")" -ge 10 ] || fail "the other tests were not graded"
}

GradeTestsFromIgnoresAStudentEditToATest() {
  local test_file=$graded/tests/$lesson/thread_test.cpp
  cp "$test_file" "$sandbox/thread_test.cpp.orig"
  trap "cp '$sandbox/thread_test.cpp.orig' '$test_file'" EXIT
  # A student "fixes" a failing test by making it pass whatever the code does. (Graded in place, the
  # edited test would pass against the stub; that costs a second build, so only the edit is checked.)
  sed -i 's|^TEST(Thread, StartTwiceThrows) {|TEST(Thread, StartTwiceThrows) { return;|' "$test_file"
  grep -q "StartTwiceThrows) { return;" "$test_file" || fail "could not plant the edit"
  grade_pristine --lesson 02 --format json --out "$sandbox/pristine.json"
  [ "$status" -eq 0 ] || fail "grade --tests-from exited $status: $output"
  grep -B2 -A6 '"name": "Thread.StartTwiceThrows"' "$sandbox/pristine.json" | grep -q '"status": "failed"' ||
    fail "--tests-from graded the student's edited test"
}

GradeTestsFromIncludesHiddenTests() {
  [ -d "$course/tests/$lesson/hidden" ] || fail "the course has no hidden tests for lesson 02 to grade"
  grade_pristine --lesson 02 --format gradescope --out "$sandbox/hidden.json"
  [ "$status" -eq 0 ] || fail "grade exited $status: $output"
  grep -B6 -A6 '"name": "Lesson 02: HiddenThread.JoinTwiceReturnsAtOnce"' "$sandbox/hidden.json" |
    grep -q '"visibility": "after_published"' || fail "the hidden test is not graded as after_published"
}

GradeWritesEveryFormat() {
  grade_pristine --lesson 02 --format json --out "$sandbox/r.json" --format junit --out "$sandbox/r.xml" \
    --format gradescope --out "$sandbox/results.json" --format markdown --out "$sandbox/r.md" --format table
  [ "$status" -eq 0 ] || fail "grade exited $status: $output"
  expect_contains "$output" "Creating threads"
  for field in score max_score seconds "lessons 0 number" "lessons 0 tests 0 name" "lessons 0 tests 0 status"; do
    json_get "$sandbox/r.json" "$field" >/dev/null
  done
  for field in score max_score execution_time output "tests 0 name" "tests 0 score" "tests 0 max_score" \
               "tests 0 status" "tests 0 output" "tests 0 visibility"; do
    json_get "$sandbox/results.json" "$field" >/dev/null
  done
  [ "$(json_get "$sandbox/results.json" "tests 0 visibility")" = "visible" ] || fail "a visible test is not 'visible'"
  if command -v xmllint >/dev/null; then
    xmllint --noout "$sandbox/r.xml" || fail "the JUnit report is not well-formed XML"
  fi
  grep -q "<testsuites" "$sandbox/r.xml" && grep -q "<testcase classname=\"lesson02\"" "$sandbox/r.xml" ||
    fail "the JUnit report has no test cases"
  grep -q "^| 02 Creating threads |" "$sandbox/r.md" || fail "the Markdown report has no lesson row"
}

GradeRejectsABadManifestNamingFileAndField() {
  local manifest=$graded/lessons/$lesson/lesson.json
  cp "$manifest" "$sandbox/lesson.json.orig"
  trap "cp '$sandbox/lesson.json.orig' '$manifest'" EXIT
  sed -i 's|"points": [0-9]*|"points": -5|' "$manifest"
  grade --lesson 02
  [ "$status" -eq 1 ] || fail "grade with a bad manifest exited $status"
  expect_contains "$output" "lessons/$lesson/lesson.json: 'points' must be a positive number"
}

[ $# -eq 1 ] || { echo "usage: $0 TEST_NAME" >&2; exit 2; }
"$1"
echo "PASS: $1"
