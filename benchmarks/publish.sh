#!/usr/bin/env bash
# What a publish of the default archive costs, cold and warm, as the Pages workflow runs it:
# a fresh clone, a new virtual environment, `pip install -r requirements.txt` and
# `python -m generator build` (the upload and the deploy, GitHub's, are not measured).
#
#   bash benchmarks/publish.sh [COMMIT] [RUNS]     # from the project folder; HEAD, 3 runs
#
# cold: the README's first command in a fresh clone, no cache.
# warm: a new clone at the same path (every file a new inode and time, as actions/checkout
#       makes them) with the cache, the site and .site.previous of the run before restored
#       through tar (as actions/cache restores them): nothing changed, then one statement's
#       text edited (a commit that changes one statement).
# Each line is one run; BENCHMARKS.md keeps the medians. Writes only to /tmp/publish-bench.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
runs=${2:-3}
work=/tmp/publish-bench
site=$work/archive
kept=(.cache/generator site)

clone() {  # a fresh clone of the commit at $site, with the kept folders restored if given
  rm -rf "$site"
  git clone -q "$repo" "$site"
  git -C "$site" checkout -q "$commit"
  if [ -n "${1:-}" ]; then tar -C "$site" -xf "$1"; fi
}

keep() {  # what the workflow's actions/cache step saves
  local extra=()
  if [ -d "$site/.site.previous" ]; then extra=(.site.previous); fi
  tar -C "$site" -cf "$work/cache.tar" "${kept[@]}" "${extra[@]}"
}

publish() {  # the workflow's build step; prints wall and CPU seconds and the build's line
  local label=$1
  ( cd "$site"
    /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, %M KB peak" bash -c '
      python3 -m venv .venv &&
      .venv/bin/pip install -q -r requirements.txt 2>&1 | grep -v "^WARNING: Location" || true
      .venv/bin/python -m generator build --base-url https://user.github.io/repo/ > build.log 2>&1'
    grep "^build:" build.log | sed "s/^/  /"
    changed=$(git status --porcelain --untracked-files=no | grep -v "${EDITED:-^$}" || true)
    if [ -n "$changed" ]; then echo "  the build changed committed files: $changed"; fi )
}

mkdir -p "$work"
echo "commit $commit, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq "$runs"); do
  clone
  publish "cold"
  keep
  clone "$work/cache.tar"
  publish "warm, nothing changed"
  keep
  clone "$work/cache.tar"
  edited=$(find "$site/content/statements/2024/06" -name '*.md' | sort | head -1)
  sed -i '0,/^Pyongyang/s//Pyongyang (edited)/' "$edited"
  EDITED=${edited#"$site/"} publish "warm, one statement edited"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
