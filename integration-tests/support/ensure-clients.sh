#!/usr/bin/env bash
# Makes sure the Kafka clients that integration-tests/clients/ drive are installed. Idempotent.
#
#   integration-tests/support/ensure-clients.sh              install what is missing (root with apt-get only)
#   integration-tests/support/ensure-clients.sh --no-install  only report what is missing
#   integration-tests/support/ensure-clients.sh --peers       also the peers bench/peers.ts measures
#                                                            beside us: redis-server, nats-server and
#                                                            the Go NATS client (not needed by tests)
#
# The clients are Debian packages (see the protocol pack's Appendix B): kcat (librdkafka 2.0.2),
# kafka-python 2.0.2, confluent-kafka-python 1.7.0, and Go with the Sarama 1.22 and kafka-go 0.2
# sources, which the Go client tests build offline (GO111MODULE=off GOPATH=/usr/share/gocode), and
# chromium, the headless browser the dashboard tests drive (integration-tests/dashboard.test.ts).
# `apt-get update` runs once, and only when something is missing. Without root or apt-get it says
# what is missing and exits 0: the client tests then skip the clients they cannot find.
set -euo pipefail

say () { echo "ensure-clients: $*" >&2; }

install=yes
peers=no
for arg in "$@"; do
  case "$arg" in
    --no-install) install=no ;;
    --peers) peers=yes ;;
    -h|--help) sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) say "unknown option: $arg (see --help)"; exit 2 ;;
  esac
done

# package -> a file whose presence means it is installed (dpkg -s is slower and misses local installs)
declare -A probe=(
  [kcat]=/usr/bin/kcat
  [python3-kafka]=/usr/lib/python3/dist-packages/kafka/__init__.py
  [python3-confluent-kafka]=/usr/lib/python3/dist-packages/confluent_kafka/__init__.py
  [golang-go]=/usr/bin/go
  # Sarama's zstd codec (DataDog/zstd) is cgo: the Go build needs a C compiler and libc headers.
  [gcc]=/usr/bin/gcc
  [libc6-dev]=/usr/include/stdio.h
  [golang-github-shopify-sarama-dev]=/usr/share/gocode/src/github.com/Shopify/sarama/sarama.go
  [golang-github-segmentio-kafka-go-dev]=/usr/share/gocode/src/github.com/segmentio/kafka-go/conn.go
  # `ip netns` and veth pairs for the network-partition tests (support/network-namespaces.ts).
  [iproute2]=/usr/sbin/ip
  # Headless Chromium for the dashboard's browser tests (playwright-core drives /usr/bin/chromium).
  [chromium]=/usr/bin/chromium
)
order=(kcat python3-kafka python3-confluent-kafka golang-go gcc libc6-dev golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev iproute2 chromium)
if [[ "$peers" == yes ]]; then
  probe[redis-server]=/usr/bin/redis-server
  probe[redis-tools]=/usr/bin/redis-benchmark
  probe[nats-server]=/usr/sbin/nats-server
  probe[golang-github-nats-io-go-nats-dev]=/usr/share/gocode/src/github.com/nats-io/nats.go/js.go
  order+=(redis-server redis-tools nats-server golang-github-nats-io-go-nats-dev)
fi

missing=()
for pkg in "${order[@]}"; do
  [[ -e "${probe[$pkg]}" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  say "all client packages present (${order[*]})"
  exit 0
fi

if [[ "$install" != yes || "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  say "missing: ${missing[*]} (not installing: needs root and apt-get); the client tests that need them will skip"
  exit 0
fi

say "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
for pkg in "${missing[@]}"; do
  [[ -e "${probe[$pkg]}" ]] || { say "$pkg installed but ${probe[$pkg]} is still missing"; exit 1; }
done
say "installed: ${missing[*]}"
