# Shared helpers for the local-server scripts (deploy/kafka/kafka-local, deploy/alertmanager/alertmanager-local).
# Sourced, not run. Everything binds to 127.0.0.1 only.

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "$(basename "$0"): $*" >&2; }

# A TCP port on 127.0.0.1 that nothing listens on right now, below the kernel's ephemeral range
# (net.ipv4.ip_local_port_range): a port in that range can be taken as the local end of any outgoing
# connection on the machine, which is how a broker restarted after an outage once found its own controller
# port in use (CI, 2026-12-04). Another server may still pick the same port before we bind; callers retry a
# failed start with new ports.
free_port() {
  local port tries=0 ephemeral_low=32768 low=10000 span
  read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  span=$(( ephemeral_low - low ))
  (( span >= 1000 )) || { low=20000; span=40000; }  # no room below a wide ephemeral range: take the old span
  while (( tries++ < 200 )); do
    port=$(( low + (RANDOM * 32768 + RANDOM) % span ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free loopback port found after 200 tries"
}

# wait_for SECONDS PID DESCRIPTION COMMAND...: runs COMMAND every 0.25 s until it succeeds; fails early when
# PID has exited, or after SECONDS.
wait_for() {
  local seconds=$1 pid=$2 what=$3; shift 3
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { say "$what: process $pid exited before it was ready"; return 1; }
    (( $(date +%s) < deadline )) || { say "$what: not ready after ${seconds}s"; return 1; }
    sleep 0.25
  done
}

# stop_pid PIDFILE DESCRIPTION [GRACE_SECONDS]: SIGTERM, wait for a clean exit, SIGKILL after the grace period.
stop_pid() {
  local pidfile=$1 what=$2 grace=${3:-30} pid
  [[ -f $pidfile ]] || { say "$what: no pid file $pidfile (not running)"; return 0; }
  pid=$(<"$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + grace ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "$what: pid $pid still running after ${grace}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      say "$what: pid $pid stopped"
    fi
  fi
  rm -f "$pidfile"
}

# start_detached LOGFILE PIDFILE COMMAND...: runs COMMAND in its own session with no inherited descriptors
# (so a caller such as ctest does not wait on our pipes), records its PID.
start_detached() {
  local logfile=$1 pidfile=$2; shift 2
  setsid "$@" </dev/null >"$logfile" 2>&1 &
  echo $! >"$pidfile"
}
