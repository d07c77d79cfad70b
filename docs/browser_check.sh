#!/usr/bin/env bash
# The docs in a real browser: headless Chromium opens the main page, every lesson page and the
# course's other pages of the generated site, fails on an image or SVG picture that does not show or
# a link into the site that leads nowhere (a missing file or #anchor), and saves a screenshot of the
# main page and of each lesson page (unless THREADLINGS_DOCS_SCREENSHOTS=0).
#
#   docs/browser_check.sh HTML_DIR OUT_DIR
#
# HTML_DIR is Doxygen's output (build/docs/docs/html); OUT_DIR receives report.txt and screenshots/.
# Exit codes: 0 every page passed, 1 a page failed, 2 usage, 77 no Chromium here (ctest: skipped).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 HTML_DIR OUT_DIR" >&2; exit 2; }
html=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "docs browser check skipped: no Chromium (Debian: apt-get install chromium)"
  exit 77
fi

# The pages: the main page, the lesson pages in order, and the course's other pages.
pages=(index.html)
for page in "$html"/lesson[0-9][0-9].html; do pages+=("$(basename "$page")"); done
for page in python_to_cpp.html myths.html bench.html; do [ -f "$html/$page" ] && pages+=("$page"); done
[ ${#pages[@]} -gt 1 ] || { echo "no lesson pages in $html: build the docs first" >&2; exit 1; }

list=""
for page in "${pages[@]}"; do list+="\"$page\", "; done
checker=$html/browser_check.html
sed "s|@PAGES@|${list%, }|" "$(dirname "${BASH_SOURCE[0]}")/browser_check.html.in" >"$checker"

# As root in a container Chromium needs --no-sandbox; the background services would only knock on a
# closed network. A profile of its own, so no state leaks between runs.
profile=$(mktemp -d)
trap 'rm -rf "$profile" "$checker"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars)

# The check: the virtual time budget keeps Chromium running until the frames, images and reads are
# done, then --dump-dom prints the page with its report.
"$browser" "${flags[@]}" "--user-data-dir=$profile/check" --allow-file-access-from-files --virtual-time-budget=60000 --dump-dom \
  "file://$checker" 2>"$out/chromium.log" >"$out/dom.html" || true
sed -n '/<pre id="report">/,/<\/pre>/p' "$out/dom.html" | sed 's|<pre id="report">||; s|</pre>.*||' |
  sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/&#39;/'"'"'/g; s/&quot;/"/g' >"$out/report.txt"
cat "$out/report.txt"

# Screenshots of the main page and the lesson pages: one Chromium each (--screenshot takes one page),
# two at a time (each is about 2.5 CPU-seconds of starting a browser), each with a profile of its own.
# They are for people to look at, and take about 45 s of the check's 55: THREADLINGS_DOCS_SCREENSHOTS=0
# (as CI sets it) leaves them out; the check of images and links above is the same either way.
shots_of=(index.html)
for page in "${pages[@]}"; do [[ $page == lesson* ]] && shots_of+=("$page"); done
rm -rf "$out/screenshots" && mkdir -p "$out/screenshots"
if [ "${THREADLINGS_DOCS_SCREENSHOTS:-1}" = 0 ]; then
  echo "screenshots: left out (THREADLINGS_DOCS_SCREENSHOTS=0)"
  shots_of=()
else
  running=0
  for page in "${shots_of[@]}"; do
    "$browser" "${flags[@]}" "--user-data-dir=$profile/${page%.html}" --window-size=1280,1600 \
      "--screenshot=$out/screenshots/${page%.html}.png" "file://$html/$page" 2>>"$out/chromium.log" >/dev/null &
    running=$((running + 1))
    if [ "$running" -ge 2 ]; then
      wait -n || true
      running=$((running - 1))
    fi
  done
  wait || true
  echo "screenshots: $(find "$out/screenshots" -name '*.png' -size +1k | wc -l) of ${#shots_of[@]} pages in $out/screenshots"
fi
shots=$(find "$out/screenshots" -name '*.png' -size +1k | wc -l)

if ! grep -q "^checked ${#pages[@]} page(s)$" "$out/report.txt"; then
  echo "the check did not finish: Chromium's output is in $out/dom.html and $out/chromium.log" >&2
  exit 1
fi
if grep -q "^FAIL" "$out/report.txt" || [ "$shots" -ne ${#shots_of[@]} ]; then
  exit 1
fi
echo "docs browser check: ${#pages[@]} pages, every image shown and every link into the site found"
