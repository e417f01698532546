# ZooKeeper nodes started by bin/zookeeper-start: where their state lives, whether they run, how to
# ask them a four-letter word and how to stop them. Sourced by bin/zookeeper-start and bin/zookeeper-stop
# (bash 3.2 compatible: no mapfile, no {fd} redirections, no wait -n).
#
# State dir ($ZK_STATE_DIR, default <project>/.zk):
#   standalone/node-1/         the one node of `bin/zookeeper-start`
#   ensemble/node-{1,2,3}/     the three of `bin/zookeeper-start --ensemble 3`
#     zoo.cfg  data/ (myid, snapshots, logs)  zookeeper.pid  zookeeper.log
#   connect                    the connect string of what was last started

zk_state_dir () { # project root
  echo "${ZK_STATE_DIR:-$1/.zk}"
}

# Prints the pid in node dir's zookeeper.pid if that process is alive and is the QuorumPeerMain
# running that node's zoo.cfg (a pid file can outlive its process, and the pid can be reused).
zk_node_pid () { # node dir
  local dir=$1 pid args
  [[ -f "$dir/zookeeper.pid" ]] || return 1
  pid=$(cat "$dir/zookeeper.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    args=$(tr '\0' ' ' < "/proc/$pid/cmdline")
  else
    args=$(ps -ww -p "$pid" -o args= 2>/dev/null) || return 1
  fi
  [[ "$args" == *QuorumPeerMain*"$dir/zoo.cfg"* ]] || return 1
  echo "$pid"
}

# Prints a node's reply to a four-letter word (srvr, ruok, mntr); fails if nothing answers.
# ZooKeeper closes the connection after replying; read -t bounds a peer that never does.
zk_four_letter () { # port word
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf '%s' "$2" >&3
    got=
    while IFS= read -r -t 2 line <&3 || [[ -n "$line" ]]; do
      echo "$line"
      got=1
      line=
    done
    [[ -n "$got" ]]
  ) 2>/dev/null
}

# Prints standalone, leader, follower or observer once a node serves clients; fails before that
# (a node in an ensemble answers srvr with "not currently serving requests" until it has a quorum).
zk_node_mode () { # port
  zk_four_letter "$1" srvr | sed -n 's/^Mode: //p' | grep .
}

zk_port_in_use () { # port
  ( exec 3<>"/dev/tcp/127.0.0.1/$1" ) 2>/dev/null
}

# SIGTERM, then SIGKILL after timeout seconds; returns once the process is gone. (Not for children of
# the calling shell: a child that exited stays a zombie to kill -0 until waited for.)
zk_stop_pid () { # pid timeout-seconds
  local pid=$1 tenths=$(( $2 * 10 ))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if (( tenths-- == 0 )); then
      echo "zookeeper: pid $pid still running $2 s after SIGTERM, sending SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || return 0
    fi
    sleep 0.1
  done
}
