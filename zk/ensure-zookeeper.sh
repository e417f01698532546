#!/usr/bin/env bash
# Finds an Apache ZooKeeper server to run, installing Debian's package when it can. Idempotent.
#
#   zk/ensure-zookeeper.sh                   find it (install it if root with apt-get); say what was found on stderr
#   zk/ensure-zookeeper.sh --no-install      find it, never install
#   zk/ensure-zookeeper.sh --print-command   the command that runs one node, one argument per line;
#                                            append the path of a zoo.cfg and run it
#   zk/ensure-zookeeper.sh --print-classpath just the class path
#
# bin/zookeeper-start and integration-tests/support/zookeeper.ts both run a node with --print-command,
# so there is one way to find ZooKeeper. Where it looks, in order:
#   1. $ZOOKEEPER_HOME (an Apache binary release: lib/*.jar and conf/)
#   2. Debian's package (libzookeeper-java): /usr/share/java/zookeeper.jar
#   3. zkServer.sh or zkServer on PATH (Homebrew, a release's bin/): its release directory
# Java comes from $JAVA_HOME, else java on PATH.
set -euo pipefail

readonly MAIN_CLASS=org.apache.zookeeper.server.quorum.QuorumPeerMain
readonly DEBIAN_JAVA_DIR=/usr/share/java
# Small heap and serial GC: tests run several nodes on two cores.
readonly JVM_FLAGS=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1
  -Djava.net.preferIPv4Stack=true -Dzookeeper.jmx.log4j.disable=true
  -Dorg.slf4j.simpleLogger.showDateTime=true
  -Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd\'T\'HH:mm:ss.SSS)

usage () {
  sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

say () { echo "ensure-zookeeper: $*" >&2; }

mode=ensure
install=yes
for arg in "$@"; do
  case "$arg" in
    --print-command) mode=command ;;
    --print-classpath) mode=classpath ;;
    --no-install) install=no ;;
    -h|--help) usage; exit 0 ;;
    *) say "unknown option: $arg (see --help)"; exit 2 ;;
  esac
done

# Sets CLASSPATH and FOUND (a description) or returns 1.
find_in_release_dir () { # dir
  local dir=$1 jar
  for jar in "$dir"/lib/zookeeper-[0-9]*.jar "$dir"/zookeeper-[0-9]*.jar; do
    [[ -f "$jar" ]] || continue
    local libdir
    libdir=$(dirname "$jar")
    CLASSPATH="$libdir/*"
    [[ -d "$dir/conf" ]] && CLASSPATH="$dir/conf:$CLASSPATH"
    FOUND="ZooKeeper release in $dir ($(basename "$jar"))"
    return 0
  done
  return 1
}

find_debian () {
  [[ -f "$DEBIAN_JAVA_DIR/zookeeper.jar" && -f "$DEBIAN_JAVA_DIR/zookeeper-jute.jar" ]] || return 1
  # zookeeper.jar's manifest Class-Path names its other dependencies (netty, commons-*, jute).
  CLASSPATH="$DEBIAN_JAVA_DIR/zookeeper.jar:$DEBIAN_JAVA_DIR/zookeeper-jute.jar:$DEBIAN_JAVA_DIR/slf4j-api.jar"
  # Without a binding slf4j prints nothing at all; slf4j-simple logs to stderr.
  if [[ -f "$DEBIAN_JAVA_DIR/slf4j-simple.jar" ]]; then
    CLASSPATH="$CLASSPATH:$DEBIAN_JAVA_DIR/slf4j-simple.jar"
  fi
  local versioned=("$DEBIAN_JAVA_DIR"/zookeeper-[0-9]*.jar)
  FOUND="Debian package in $DEBIAN_JAVA_DIR ($(basename "${versioned[0]}"))"
}

find_on_path () {
  local script real base
  for name in zkServer.sh zkServer; do
    script=$(command -v "$name" 2>/dev/null) || continue
    real=$(resolve_symlinks "$script")
    base=$(cd "$(dirname "$real")/.." && pwd)
    # A release has bin/ beside lib/; Homebrew keeps the release under libexec/, Debian under share/.
    for dir in "$base" "$base/libexec" "$base/share/zookeeper"; do
      find_in_release_dir "$dir" && return 0
    done
  done
  return 1
}

resolve_symlinks () { # path (readlink -f is missing on older macOS)
  local path=$1 target
  while [[ -L "$path" ]]; do
    target=$(readlink "$path")
    case "$target" in
      /*) path=$target ;;
      *) path="$(dirname "$path")/$target" ;;
    esac
  done
  echo "$path"
}

find_zookeeper () {
  if [[ -n "${ZOOKEEPER_HOME:-}" ]]; then
    # An explicit setting that holds nothing is a mistake to report, not to paper over.
    find_in_release_dir "$ZOOKEEPER_HOME" && return 0
    say "ZOOKEEPER_HOME=$ZOOKEEPER_HOME holds no zookeeper-<version>.jar (in lib/ or itself)"
    exit 1
  fi
  find_debian || find_on_path
}

find_java () {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  else
    JAVA=$(command -v java 2>/dev/null) || return 1
  fi
}

can_install () {
  [[ "$install" == yes && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1
}

apt_install () { # packages...
  say "installing Debian package(s) $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # Output goes to stderr: stdout of --print-* is read by programs.
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "$@" >&2
}

not_found () {
  cat >&2 <<'EOF'
ensure-zookeeper: no ZooKeeper found (looked at $ZOOKEEPER_HOME, /usr/share/java/zookeeper.jar, zkServer.sh on PATH).
Get one of these ways:
  Debian/Ubuntu:  sudo apt-get install zookeeper        (then run this again)
  macOS:          brew install zookeeper
  a release:      download apache-zookeeper-3.8.x-bin.tar.gz, unpack it, export ZOOKEEPER_HOME=<its directory>
  Docker:         docker compose up -d   (this project's docker-compose.yml: three nodes on 127.0.0.1:2181-2183),
                  then ZK_CONNECT=127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183 npm run test:integration
EOF
  exit 1
}

if ! find_zookeeper; then
  can_install || not_found
  apt_install zookeeper
  find_debian || not_found
fi

if [[ -f "$DEBIAN_JAVA_DIR/zookeeper.jar" && "$CLASSPATH" == "$DEBIAN_JAVA_DIR/"* \
      && ! -f "$DEBIAN_JAVA_DIR/slf4j-simple.jar" ]] && can_install; then
  apt_install libslf4j-java
  find_debian
fi

if ! find_java; then
  if can_install; then
    apt_install default-jre-headless
    find_java || { say "java is still not on PATH after installing default-jre-headless"; exit 1; }
  else
    say "found $FOUND, but no java: set JAVA_HOME or put java (17 or later) on PATH (apt-get install default-jre-headless, brew install openjdk)"
    exit 1
  fi
fi

case "$mode" in
  ensure) say "found $FOUND; java is $JAVA" ;;
  classpath) echo "$CLASSPATH" ;;
  command) printf '%s\n' "$JAVA" "${JVM_FLAGS[@]}" -cp "$CLASSPATH" "$MAIN_CLASS" ;;
esac
