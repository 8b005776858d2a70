# Sourced by the bin/ scripts: build_quietly "what" MAVEN-ARGS... builds this checkout with Maven on a first run.
# Maven's output goes to a log and is shown only if the build fails (Maven 3.8 prints colour escapes even with -B -q
# and no terminal); the escapes are stripped from what is shown.
build_quietly() {
  local what="$1"; shift
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/fleet-build.XXXXXX")"
  echo "$what: building (first run; the Maven log is shown if it fails)..." >&2
  if ! (cd "$ROOT" && mvn -B -DskipTests "$@") >"$log" 2>&1; then
    sed 's/\x1b\[[0-9;]*m//g' "$log" >&2
    rm -f "$log"
    echo "$what: the build failed (above)" >&2
    exit 1
  fi
  rm -f "$log"
}
