# Sourced by bin/kafka-server-stop and bin/kafka-gateway-stop with $pattern (the process's command
# line) and $what (its name in messages) set: SIGTERM to each, --wait for them to exit.
# pgrep comes with procps, which minimal systems lack; /proc is enough on Linux.
matching_pids() {
  if command -v pgrep >/dev/null; then pgrep -f "$pattern"; return; fi
  local d cmd
  for d in /proc/[0-9]*; do
    { cmd=$(tr '\0' ' ' < "$d/cmdline"); } 2>/dev/null || continue
    [[ "$cmd" =~ $pattern ]] && echo "${d#/proc/}"
  done
}

pids=$(matching_pids | grep -vx "$$")
if [ -z "$pids" ]; then
  echo "No $what to stop" >&2
  exit 1
fi
kill -TERM $pids
if [ "${1:-}" = "--wait" ]; then
  for _ in $(seq 1 300); do
    [ -z "$(matching_pids | grep -vx "$$")" ] && exit 0
    sleep 0.1
  done
  echo "$what still running after 30 s: $(matching_pids | tr '\n' ' ')" >&2
  exit 1
fi
