#!/usr/bin/env bash
# Samples a process's CPU time and resident memory every 10 s for a while
# and prints the average CPU (in % of one core) and the peak RSS:
#   bench/proc-usage.sh PID [MINUTES]      (default 10)
# E.g. the reseed server of a test network: its pid is in DIR/testnet.json.
set -euo pipefail
pid=$1 minutes=${2:-10}
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
t0=$(date +%s.%N) c0=$(ticks) peak=0
for _ in $(seq $((minutes * 6))); do
	sleep 10
	r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
done
t1=$(date +%s.%N) c1=$(ticks)
awk -v c="$((c1 - c0))" -v hz="$hz" -v t0="$t0" -v t1="$t1" -v peak="$peak" -v m="$minutes" 'BEGIN {
	printf "pid %s over %d minutes: CPU %.1f%% of one core on average, peak RSS %.1f MiB\n", ENVIRON["pid"], m, 100 * c / hz / (t1 - t0), peak / 1024
}'
