#!/usr/bin/python3
"""Runs a command and prints the peak resident memory of its whole process tree (the driver
plus every chromium process it starts), sampled every 50 ms, as `peak_rss_mb=N` on stderr.
GNU time would report only the largest single process, not a browser's dozen."""
import os, subprocess, sys, time

def tree_rss_kb(root):
    children = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/stat') as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(pid))
        except (OSError, IndexError, ValueError):
            pass
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f'/proc/{pid}/status') as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except OSError:
            pass
        stack.extend(children.get(pid, []))
    return total

process = subprocess.Popen(sys.argv[1:])
peak = 0
while process.poll() is None:
    peak = max(peak, tree_rss_kb(process.pid))
    time.sleep(0.05)
print(f'peak_rss_mb={peak // 1024}', file=sys.stderr)
sys.exit(process.returncode)
