#!/usr/bin/env bash
# Tests of threadlings_timeline, end to end: each case runs the tool on a small hand-written trace
# (testdata/) and checks the SVG it writes (rows, bars, legend, escaping, well-formed XML) or the
# exit code and message of bad input. Registered as one ctest test per case (CMakeLists.txt):
#   THREADLINGS_TIMELINE=... THREADLINGS_TIMELINE_DATA=... THREADLINGS_TIMELINE_SCRATCH=... timeline_test.sh CASE
set -u
tool=${THREADLINGS_TIMELINE:?path of the threadlings_timeline binary}
data=${THREADLINGS_TIMELINE_DATA:?path of tools/timeline/testdata}
scratch=${THREADLINGS_TIMELINE_SCRATCH:?a folder the test may write in}/$1
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1
svg=$scratch/out.svg
err=$scratch/stderr

fail() { echo "FAIL: $*" >&2; exit 1; }

# run ARGS...: runs the tool, stdout to $svg, stderr to $err; sets $code.
run() {
  "$tool" "$@" >"$svg" 2>"$err"
  code=$?
}

# count PATTERN: how many times PATTERN (a fixed string) occurs in the SVG.
count() { grep -o -F -- "$1" "$svg" | wc -l | tr -d ' '; }

expect_count() {  # expect_count PATTERN N WHAT
  local n
  n=$(count "$1")
  [[ $n == "$2" ]] || fail "expected $2 $3 ('$1'), found $n; stderr: $(cat "$err")"
}

expect_drawn() {
  [[ $code == 0 ]] || fail "exit code $code, expected 0; stderr: $(cat "$err")"
}

# Failure with a message: exit code $1 and stderr containing $2.
expect_failure() {
  [[ $code == "$1" ]] || fail "exit code $code, expected $1; stderr: $(cat "$err")"
  grep -q -F -- "$2" "$err" || fail "stderr does not say '$2': $(cat "$err")"
}

# Well-formed XML: xmllint when installed, else a structural check (one root, balanced groups and
# texts, every & starting an entity, no raw < inside text).
well_formed() {
  if command -v xmllint >/dev/null; then
    xmllint --noout "$svg" 2>"$scratch/xmllint" || fail "not well-formed XML: $(cat "$scratch/xmllint")"
    return
  fi
  head -c 200 "$svg" | grep -q '<svg ' || fail "no <svg> root element"
  [[ $(tail -n 1 "$svg") == "</svg>" ]] || fail "the document does not end with </svg>"
  [[ $(count '<g') == "$(count '</g>')" ]] || fail "unbalanced <g> elements"
  [[ $(count '<text') == "$(count '</text>')" ]] || fail "unbalanced <text> elements"
  [[ $(count '<title>') == "$(count '</title>')" ]] || fail "unbalanced <title> elements"
  ! grep -q -E '&([^alqg#]|a[^mp]|l[^t]|g[^t]|q[^u])' "$svg" || fail "an & that starts no entity"
  ! grep -q -E '>[^<]*<[^/a-z?!]' "$svg" || fail "a raw < inside text"
}

small=$data/small_trace.json
case $1 in
  DrawsOneRowPerThreadAndOneBarPerSpan)
    # 3 threads (2 in the parent, 1 in the child); 5 spans: X, B/E, nested X, X, X (the instant and
    # the counter are not spans).
    run "$small"
    expect_drawn
    expect_count 'class="row-label"' 3 "thread rows"
    expect_count 'class="bar ' 5 "bars"
    grep -q -F '>worker</text>' "$svg" || fail "the thread name 'worker' is not a row label"
    ;;
  OutputIsWellFormedXml)
    run "$small" --title 'A <small> & "quoted" trace'
    expect_drawn
    well_formed
    ;;
  GroupsThreadsUnderTheirNamedProcess)
    run "$small"
    expect_drawn
    expect_count 'class="group"' 2 "process headers"
    grep -q -F '>parent &lt;&amp;&gt; (pid 100)</text>' "$svg" || fail "no header for the parent process"
    grep -q -F '>child (pid 200)</text>' "$svg" || fail "no header for the child process"
    # The parent's header comes before its threads, the child's after them.
    order=$(grep -o -E 'class="(group|row-label)"[^>]*>[^<]*' "$svg" | sed 's/.*>//' | tr '\n' '|')
    [[ $order == "parent &lt;&amp;&gt; (pid 100)|main|worker|child (pid 200)|child&apos;s &quot;main&quot;|" ]] ||
      fail "rows out of order: $order"
    ;;
  EscapesNamesForXml)
    run "$small"
    expect_drawn
    grep -q -F 'compute &quot;x&quot; &amp; &lt;y&gt;' "$svg" || fail "the span name is not escaped"
    grep -q -F '<y>' "$svg" && fail "a raw <y> reached the SVG"
    well_formed
    ;;
  LegendNamesEachSpanNameOnce)
    # 4 names (setup twice), in order of first appearance in time.
    run "$small"
    expect_drawn
    expect_count 'class="legend-entry"' 4 "legend entries"
    legend=$(grep -o -E 'class="legend-entry"[^>]*>[^<]*' "$svg" | sed 's/.*>//' | tr '\n' '|')
    [[ $legend == 'setup|download|parse|compute &quot;x&quot; &amp; &lt;y&gt;|' ]] || fail "legend: $legend"
    # Both setup bars share the colour of the first legend entry.
    expect_count 'class="bar c0"' 2 "bars in the first colour"
    ;;
  NestedSpansGoOneLaneDown)
    # parse (1.0-1.5 ms) lies inside download (0.5-2.5 ms) on the worker: a second lane, one lane lower.
    run "$small"
    expect_drawn
    y_download=$(grep -o -E '<rect class="bar c[0-9]+" x="[^"]*" y="[^"]*"[^>]*><title>download' "$svg" | sed -E 's/.* y="([^"]*)".*/\1/')
    y_parse=$(grep -o -E '<rect class="bar c[0-9]+" x="[^"]*" y="[^"]*"[^>]*><title>parse' "$svg" | sed -E 's/.* y="([^"]*)".*/\1/')
    [[ -n $y_download && -n $y_parse ]] || fail "download or parse not drawn"
    awk -v a="$y_download" -v b="$y_parse" 'BEGIN { exit !(b > a) }' || fail "parse (y=$y_parse) is not below download (y=$y_download)"
    ;;
  WindowKeepsOnlySpansInside)
    # 1.6-2.9 ms: download (clipped) and compute; setup, parse and the second setup are outside.
    run "$small" --from-ms 1.6 --to-ms 2.9
    expect_drawn
    expect_count 'class="bar ' 2 "bars"
    expect_count 'class="row-label"' 2 "thread rows"
    grep -q -F '<title>download: 1.600' "$svg" || fail "download is not clipped to the window's start"
    well_formed
    ;;
  RowsFilterKeepsMatchingThreads)
    run "$small" --rows worker --rows 'child / '
    expect_drawn
    expect_count 'class="row-label"' 2 "thread rows"
    expect_count 'class="bar ' 3 "bars"
    grep -q -F '>main</text>' "$svg" && fail "the filtered-out thread 'main' was drawn"
    true
    ;;
  MaxRowsDrawsTheFirstThreadsAndSaysSo)
    run "$small" --max-rows 2
    expect_drawn
    expect_count 'class="row-label"' 2 "thread rows"
    grep -q -F '1 more thread (1 span) not drawn: --max-rows 2' "$svg" || fail "no footnote on the thread left out"
    ;;
  CloseSpansOfOneNameAreMerged)
    # 50 ticks 10 us apart, in a 1 s picture: far less than a pixel apart, drawn as one bar.
    run "$data/close_spans.json"
    expect_drawn
    expect_count 'class="bar ' 2 "bars (the long span, and the 50 ticks merged)"
    grep -q -F '(50 spans)' "$svg" || fail "the merged bar does not say how many spans it stands for"
    grep -q -F '49 spans less than half a pixel' "$svg" || fail "no footnote on merging"
    ;;
  WritesTheOutputFile)
    run "$small" -o "$scratch/picture.svg" --width 600
    expect_drawn
    [[ -s $scratch/picture.svg ]] || fail "no output file"
    [[ ! -e $scratch/picture.svg.part ]] || fail "the temporary file was left behind"
    grep -q -F 'width="600"' "$scratch/picture.svg" || fail "--width 600 not applied"
    ;;
  MissingFileExitsOneNamingIt)
    run "$scratch/no-such-trace.json"
    expect_failure 1 "cannot read $scratch/no-such-trace.json"
    ;;
  NotJsonExitsOne)
    printf 'this is { not JSON\n' >"$scratch/bad.json"
    run "$scratch/bad.json"
    expect_failure 1 "bad.json is not JSON"
    ;;
  TraceWithoutSpansExitsOne)
    run "$data/no_spans.json"
    expect_failure 1 "no_spans.json has no complete (ph X) or begin/end (ph B/E) events: nothing to draw"
    ;;
  EmptyWindowExitsOneSayingWhatTheTraceHolds)
    run "$small" --from-ms 100
    expect_failure 1 "no span between 100.000 and the end; the spans drawn run from 0 to 3.500 ms"
    ;;
  BadFlagExitsTwoWithUsage)
    run "$small" --width wide
    expect_failure 2 "Usage:"
    run "$small" --no-such-flag
    expect_failure 2 "Usage:"
    run
    expect_failure 2 "trace is required"
    ;;
  ReversedWindowExitsTwo)
    run "$small" --from-ms 3 --to-ms 1
    expect_failure 2 "must be greater than --from-ms"
    ;;
  *)
    fail "unknown case '$1'"
    ;;
esac
echo "PASS: $1"
