#!/usr/bin/env bash
# The project's one entry point for people and CI. Every command first installs what is missing on a
# Debian 12 machine (apt packages, the pinned Kafka broker jars) and is a fast no-op when all is there.
#
#   ./dev.sh run [ARGS]     build (release) and run auditstream; with no ARGS: the demo (Ctrl-C stops)
#   ./dev.sh test           build (debug: ASan + UBSan) and run the whole test suite, integration included,
#                           after a 30-second libFuzzer smoke per fuzz target
#   ./dev.sh setup          only install what is missing
#   ./dev.sh build PRESET   configure and build one preset: debug | release | tsan
#   ./dev.sh lint           clang-format check and clang-tidy over the sources
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian 12 packages, one line per reason.
packages=(
  g++ cmake ninja-build pkg-config git ca-certificates                    # toolchain
  librdkafka-dev libsimdjson-dev libhyperscan-dev prometheus-cpp-dev      # service libraries
  libyaml-cpp-dev libcurl4-openssl-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev                              # tests and benchmarks
  clang-format-14 clang-14 libclang-rt-14-dev                             # format check, libFuzzer
  openjdk-17-jre-headless maven kcat                                      # the real Kafka broker
  libboost-dev libssl-dev openssl                                         # ingest: HTTPS (Boost.Beast over OpenSSL)
  etcd-server                                                             # the real kube-apiserver's store
  rsyslog rsyslog-kafka                                                   # a real audit-log shipper (imfile + omkafka)
  prometheus-alertmanager python3 curl                                    # the real Alertmanager + webhook
  gnuplot-nox                                                             # BENCHMARKS.md plots (loadtest/bench-e2e)
)

log() { echo "dev.sh: $*" >&2; }

timed() {  # timed WHAT COMMAND...: runs COMMAND and says how long it took
  local what=$1 started=$SECONDS; shift
  "$@"
  log "$what took $((SECONDS - started))s"
}

install_packages() {
  local missing=() package
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  (( ${#missing[@]} == 0 )) && return 0
  [[ $(id -u) == 0 ]] || { log "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}"; exit 1; }
  log "installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

setup() {
  timed "apt packages" install_packages
  timed "Kafka jars" deploy/kafka/kafka-local fetch
  # Built from the Go module proxy once per machine (about 4-7 minutes), then cached like the jars.
  timed "kube-apiserver" deploy/kube-apiserver/kube-apiserver-local fetch
}

build() {
  local preset=${1:?usage: ./dev.sh build debug|release|tsan}
  if [[ ! -f build/$preset/build.ninja ]]; then
    cmake --preset "$preset" >/dev/null
  fi
  cmake --build --preset "$preset"
}

case ${1:-} in
  setup)
    setup ;;
  build)
    setup
    timed "build ($2)" build "${2:-}" ;;
  run)
    shift
    setup
    timed "build (release)" build release >&2
    (( $# > 0 )) || set -- demo   # the embedded default: mock Kafka, generated traffic, attacks, alerts
    exec build/release/consumer/auditstream "$@" ;;
  test)
    setup
    timed "build (debug)" build debug
    # libFuzzer smoke first: each fuzzer 30 s (longer hunts: tools/fuzz SECONDS).
    timed "fuzz smoke" tools/fuzz 30
    # Unit and integration tests in one ctest run; its summary line ("N% tests passed, ...") ends the output.
    timed "tests" ctest --preset debug -j2 ;;
  lint)
    setup
    build debug >/dev/null
    tools/check-format
    tools/run-clang-tidy ;;
  *)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2 ;;
esac
