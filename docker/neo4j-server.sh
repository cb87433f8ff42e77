#!/usr/bin/env bash
# Start, stop and inspect a real Neo4j 5.26 LTS Community server for kgmine's tests and CI.
#
# Needs only Java 17+ and Maven: the server is Neo4j embedded in a tiny launcher
# (docker/neo4j-launcher), built from Maven Central on first use, with its Bolt connector on a
# loopback port and authentication disabled. Data and logs live under a temporary directory.
#
#   docker/neo4j-server.sh start     # build if needed, start, wait until Bolt answers, print the bolt URI
#       [--env-file FILE]            #   also write NEO4J_URI/USER/PASSWORD/DATABASE=... lines to FILE
#       [--fresh]                    #   delete the data of a previous run of this home first
#   docker/neo4j-server.sh stop      # clean shutdown (SIGTERM, then SIGKILL after 120 s)
#   docker/neo4j-server.sh restart   # stop + start on the same port with the same data
#   docker/neo4j-server.sh status    # "running bolt://..." (exit 0) or "stopped" (exit 3)
#   docker/neo4j-server.sh uri       # the bolt URI of the running server
#   docker/neo4j-server.sh build     # only build the launcher
#   docker/neo4j-server.sh clean     # stop and delete the data directory
#   docker/neo4j-server.sh cds       # record a class-data-sharing archive: later starts use less CPU
#
# Only the URI goes to stdout, so `export NEO4J_URI=$(docker/neo4j-server.sh start)` works;
# messages go to stderr. The server runs until `stop` (it outlives this script).
#
# Environment:
#   KGMINE_NEO4J_HOME    state directory: data/, logs/, launcher.log, neo4j.pid, bolt.uri
#                        (default ${TMPDIR:-/tmp}/kgmine-neo4j-$UID)
#   NEO4J_BOLT_PORT      Bolt port; 0 = a free port (default: the previous port of this home, else 0)
#   NEO4J_HEAP           JVM heap, e.g. 2g (default 2g)
#   NEO4J_PAGECACHE_MB   page cache in MiB (default 512)
#   KGMINE_NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 300)
#   JAVA_HOME / JAVA     the Java 17+ to run; MVN the Maven command (default mvn)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAUNCHER="$HERE/neo4j-launcher"
STATE="${KGMINE_NEO4J_HOME:-${TMPDIR:-/tmp}/kgmine-neo4j-$(id -u)}"
HOST=127.0.0.1
HEAP="${NEO4J_HEAP:-2g}"
PAGECACHE_MB="${NEO4J_PAGECACHE_MB:-512}"
START_TIMEOUT="${KGMINE_NEO4J_START_TIMEOUT:-300}"
if [[ -n "${JAVA:-}" ]]; then :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"
else JAVA=java; fi
MVN="${MVN:-mvn}"
JAR="$LAUNCHER/target/kgmine-neo4j-launcher-0.1.0.jar"
# Optional class-data sharing archive (`neo4j-server.sh cds` records it): starts that map it spend
# ~30% less CPU on class loading. Recording costs one extra start and a slow (~1 min) stop, so CI,
# which starts the server only once or twice, does without it.
CDS="$LAUNCHER/target/neo4j-cds.jsa"

say() { echo "neo4j-server: $*" >&2; }
die() { say "error: $*"; exit 1; }

pid_of() {  # the launcher's pid if it is alive
  local pid
  [[ -f "$STATE/neo4j.pid" ]] || return 1
  pid="$(tr -dc '0-9' < "$STATE/neo4j.pid")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -qa "kgmine.neo4j.Launcher" "/proc/$pid/cmdline" 2>/dev/null \
    && echo "$pid"
}

bolt_answers() {  # $1 = port: true if a Bolt server completes the version handshake there
  local reply
  reply="$( (exec 3<>"/dev/tcp/$HOST/$1" || exit 1
             # magic 0x6060B017, then four proposals: 5.0-5.4, 4.4, 4.0, 3.0
             printf '\x60\x60\xb0\x17\x00\x04\x04\x05\x00\x00\x04\x04\x00\x00\x00\x04\x00\x00\x00\x03' >&3
             timeout 5 head -c 4 <&3 | od -An -tx1 | tr -d ' \n') 2>/dev/null)" || return 1
  [[ ${#reply} -eq 8 && "$reply" != "00000000" ]]
}

current_uri() { [[ -f "$STATE/bolt.uri" ]] && tr -d '\n' < "$STATE/bolt.uri"; }

check_tools() {
  command -v "$JAVA" >/dev/null 2>&1 || die "Java 17+ not found (install openjdk-17-jdk-headless or set JAVA_HOME)"
  local v
  v="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
  [[ -n "$v" && "$v" -ge 17 ]] || die "Java 17+ needed, found '${v:-unknown}' at $JAVA"
}

build() {
  local stamp="$LAUNCHER/target/.kgmine-built"
  if [[ -f "$stamp" && "$stamp" -nt "$LAUNCHER/pom.xml" && -z "$(find "$LAUNCHER/src" -newer "$stamp" -print -quit)" ]]; then
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven not found (install maven, or set MVN)"
  mkdir -p "$LAUNCHER/target"
  say "building the launcher (Neo4j from Maven Central; the first build downloads ~125 MB) ..."
  local t0=$SECONDS
  "$MVN" -q -B -f "$LAUNCHER/pom.xml" package >"$LAUNCHER/target/build.log" 2>&1 \
    || { tail -n 30 "$LAUNCHER/target/build.log" >&2; die "launcher build failed (log: $LAUNCHER/target/build.log)"; }
  rm -f "$CDS"
  touch "$stamp"
  say "built in $((SECONDS - t0)) s"
}

write_env_file() {  # $1 = file, $2 = uri: shell assignments for the NEO4J_* settings (auth is off)
  [[ -n "$1" ]] || return 0
  printf 'NEO4J_URI=%s\nNEO4J_USER=neo4j\nNEO4J_PASSWORD=\nNEO4J_DATABASE=neo4j\nKGMINE_NEO4J_HOME=%s\n' \
    "$2" "$STATE" >"$1"
}

start() {
  local pid uri port env_file="" fresh=0
  while (($#)); do
    case "$1" in
      --env-file) env_file="${2:?--env-file needs a file}"; shift 2 ;;
      --fresh) fresh=1; shift ;;
      *) die "unknown start option $1" ;;
    esac
  done
  if pid="$(pid_of)"; then
    uri="$(current_uri || true)"
    if [[ -n "$uri" ]] && bolt_answers "${uri##*:}"; then
      if ((fresh)); then
        stop
      else
        say "already running (pid $pid)"; write_env_file "$env_file" "$uri"; echo "$uri"; return 0
      fi
    else
      die "a launcher (pid $pid) is running under $STATE but Bolt does not answer; run '$0 stop' first"
    fi
  fi
  if ((fresh)); then rm -rf "$STATE/data" "$STATE/logs" "$STATE/launcher.log"; fi
  check_tools
  build
  mkdir -p "$STATE"
  port="${NEO4J_BOLT_PORT:-}"
  if [[ -z "$port" ]]; then
    uri="$(current_uri || true)"; port="${uri##*:}"; port="${port:-0}"
  fi
  rm -f "$STATE/bolt.uri" "$STATE/neo4j.pid"
  local t0=$SECONDS cds_opts=()
  if [[ -n "${KGMINE_NEO4J_CDS_RECORD:-}" ]]; then cds_opts=(-XX:ArchiveClassesAtExit="$KGMINE_NEO4J_CDS_RECORD")
  elif [[ -s "$CDS" ]]; then cds_opts=(-XX:SharedArchiveFile="$CDS"); fi
  say "starting Neo4j under $STATE (log: $STATE/launcher.log)"
  nohup "$JAVA" "${cds_opts[@]}" -Xlog:cds=off -Xlog:cds+dynamic=off -Xms512m -Xmx"$HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+DisableExplicitGC \
    -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
    -cp "$JAR:$LAUNCHER/target/lib/*" kgmine.neo4j.Launcher \
    --home "$STATE" --host "$HOST" --port "$port" --pagecache-mb "$PAGECACHE_MB" \
    >>"$STATE/launcher.log" 2>&1 </dev/null &
  local child=$!
  while :; do
    if ! kill -0 "$child" 2>/dev/null; then
      tail -n 20 "$STATE/launcher.log" >&2
      die "Neo4j exited during start-up (log: $STATE/launcher.log, $STATE/logs/debug.log)"
    fi
    uri="$(current_uri || true)"
    if [[ -n "$uri" ]] && bolt_answers "${uri##*:}"; then break; fi
    if (( SECONDS - t0 > START_TIMEOUT )); then
      kill "$child" 2>/dev/null || true
      die "Bolt did not answer within ${START_TIMEOUT} s (log: $STATE/launcher.log)"
    fi
    sleep 0.5
  done
  say "Neo4j ready at $uri after $((SECONDS - t0)) s (pid $child)"
  write_env_file "$env_file" "$uri"
  echo "$uri"
}

stop() {
  local pid i
  if ! pid="$(pid_of)"; then say "not running"; return 0; fi
  kill -TERM "$pid"
  for ((i = 0; i < 240; i++)); do
    if ! kill -0 "$pid" 2>/dev/null; then say "stopped (pid $pid)"; rm -f "$STATE/neo4j.pid"; return 0; fi
    sleep 0.5
  done
  say "no clean shutdown after 120 s; killing pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$STATE/neo4j.pid"
}

record_cds() {  # start and stop a throwaway server that writes the class-data-sharing archive at exit
  check_tools
  build
  local tmp
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/kgmine-neo4j-cds.XXXXXX")"
  KGMINE_NEO4J_CDS_RECORD="$tmp/app.jsa" KGMINE_NEO4J_HOME="$tmp/home" NEO4J_BOLT_PORT=0 \
    bash "${BASH_SOURCE[0]}" start >/dev/null
  KGMINE_NEO4J_HOME="$tmp/home" bash "${BASH_SOURCE[0]}" stop
  [[ -s "$tmp/app.jsa" ]] || { rm -rf "$tmp"; die "no archive was written"; }
  mv -f "$tmp/app.jsa" "$CDS"
  rm -rf "$tmp"
  say "class-data-sharing archive: $CDS"
}

status() {
  local pid uri
  if pid="$(pid_of)"; then
    uri="$(current_uri || true)"
    if [[ -n "$uri" ]] && bolt_answers "${uri##*:}"; then echo "running $uri (pid $pid, home $STATE)"; return 0; fi
    echo "starting (pid $pid, home $STATE)"; return 4
  fi
  echo "stopped (home $STATE)"; return 3
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  restart) shift; stop; start "$@" ;;
  status) status ;;
  uri) pid_of >/dev/null || die "not running (home $STATE)"; current_uri; echo ;;
  build) check_tools; build ;;
  clean) stop; rm -rf "$STATE"; say "removed $STATE" ;;
  cds) record_cds ;;
  *) echo "usage: $0 start|stop|restart|status|uri|build|clean|cds   (see the header of this file)" >&2; exit 2 ;;
esac
