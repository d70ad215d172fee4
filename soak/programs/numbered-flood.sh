#!/bin/sh
# Writes $2 numbered lines of 100 bytes to stdout, tagged with the round found in file $1
# ("R<round> <n> xxx…"), about 10 MB/s (a pause every 1000 lines), then exits 0. The soak
# suite checks that every line of the round is in the logs, or counted in a gap marker.
round=$(cat "$1")
exec awk -v r="$round" -v n="$2" 'BEGIN {
  pad = sprintf("%100s", ""); gsub(/ /, "x", pad)
  for (i = 1; i <= n; i++) {
    s = "R" r " " i " "
    print s substr(pad, 1, 99 - length(s))
    if (i % 1000 == 0) { fflush(); system("sleep 0.01") }
  }
}'
