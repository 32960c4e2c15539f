#!/usr/bin/env bash
# Peak memory (maximum resident set size) of `paxscreen replay` over about
# 200 MB of each of: valid JSON manifests, malformed JSON Lines, and PAXLST
# garbage (real interchanges with segments cut, doubled, scrambled and
# separators flipped), each against a 10,000-entry watchlist.
#
#   scripts/memory-bench.sh [WORKDIR]     (default /tmp/paxscreen-mem)
#
# Needs GNU time (/usr/bin/time) and python3. Prints one line per input; the
# target is under 300 MB each (issue: input that cannot hurt).
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-/tmp/paxscreen-mem}
MB=${MB:-200}
cargo build --release -q
P=$PWD/target/release/paxscreen
mkdir -p "$W"

[ -f "$W/wl/list.csv" ] || { mkdir -p "$W/wl"; $P generate-watchlist --entries 10000 --seed 7 --out "$W/wl/list.csv" 2>/dev/null; }
mkdir -p "$W/no-trends"

size() { du -sm "$1" | cut -f1; }

# 1. Valid: generated flights (JSON), as many as make MB megabytes.
if [ ! -d "$W/valid/manifests" ] || [ "$(size "$W/valid")" -lt "$MB" ]; then
  rm -rf "$W/valid"
  $P generate --flights $((MB * 24)) --seed 5 --out "$W/valid" --plant-from "$W/wl/list.csv" --plant-seed 7 2>/dev/null
fi

# 2. Malformed: one JSON Lines file of `{garbage}` lines and truncated messages.
if [ ! -f "$W/malformed/bad.jsonl" ]; then
  mkdir -p "$W/malformed"
  python3 - "$W/malformed/bad.jsonl" "$MB" "$W/valid/manifests" <<'PY'
import os, sys
out, mb, valid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sample = open(os.path.join(valid, sorted(os.listdir(valid))[0]), 'rb').read().replace(b'\n', b' ')
with open(out, 'wb') as f:
    n = 0
    while n < mb * 1024 * 1024:
        # Mostly `{garbage}` lines (the shape that once took 15.8 GB), some
        # messages cut in half, some with an unterminated 4 KB string.
        for line in [b'{garbage}\n'] * 2000 + [sample[: len(sample) // 2] + b'\n', b'{"schema": "paxscreen.api/1", "message_id": "' + b'x' * 4000 + b'\n']:
            f.write(line)
            n += len(line)
PY
fi

# 3. PAXLST garbage: generated interchanges, damaged at random, in files of ~20 MB.
if [ ! -d "$W/paxlst-garbage" ]; then
  rm -rf "$W/pax" && $P generate --flights 200 --seed 9 --out "$W/pax" --format paxlst 2>/dev/null
  mkdir -p "$W/paxlst-garbage"
  python3 - "$W/pax/manifests" "$W/paxlst-garbage" "$MB" <<'PY'
import os, random, sys
src, out, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(11)
inter = [open(os.path.join(src, f), 'rb').read() for f in sorted(os.listdir(src))]
total, part = 0, 0
while total < mb * 1024 * 1024:
    with open(os.path.join(out, f'garbage-{part:03}.edi'), 'wb') as f:
        written = 0
        while written < 20 * 1024 * 1024:
            segs = rng.choice(inter).split(b"'")
            for i in range(len(segs)):
                r = rng.random()
                if r < 0.03: segs[i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
                elif r < 0.05: segs[i] = segs[i] + b"'" + segs[i]
                elif r < 0.07: segs[i] = segs[i][: rng.randrange(len(segs[i]) + 1)]
                elif r < 0.08: segs[i] = segs[i].replace(b'+', b':')
            data = b"'".join(segs)
            if rng.random() < 0.1: data = data[: rng.randrange(len(data))]
            f.write(data)
            written += len(data)
    total += written
    part += 1
PY
fi

for input in valid/manifests malformed paxlst-garbage; do
  log=$(mktemp)
  set +e
  /usr/bin/time -v $P replay "$W/$input" --watchlists "$W/wl" --trends "$W/no-trends" --scope all \
    --out /dev/null --rejects /dev/null >/dev/null 2>"$log"
  status=$?
  set -e
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  msgs=$(grep -E '^messages ' "$log" | awk '{print $2}')
  printf '%-22s %5s MB input  peak RSS %6.1f MB  messages %-9s exit %s  wall %s\n' \
    "$input" "$(size "$W/$input")" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$msgs" "$status" "$wall"
  rm -f "$log"
done
