"""Free loopback ports for servers that must know each other's ports before they start (a cluster's peers).

Taken from below the kernel's ephemeral range: a port lent by bind(0) comes from that range, which outgoing
connections also use, so a server already running (a cluster's first node, wrk's connections) can take it
before its owner binds it (CI saw a node fail with "Failed to bind"). Used by interop/lib.sh (free_ports N)
and bench/davit_bench.py. Run as a script: prints N ports.
"""
import random
import socket
import sys


def free_ports(n):
    """n distinct ports nothing listens on, each bound once to check."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    picked = []
    while len(picked) < n:
        p = random.randrange(20000, max(low, 21000))
        with socket.socket() as s:  # no SO_REUSEADDR: a listener on any address or a TIME_WAIT makes bind fail
            try:
                s.bind(("", p))
            except OSError:
                continue
        if p not in picked:
            picked.append(p)
    return picked


if __name__ == "__main__":
    print(" ".join(map(str, free_ports(int(sys.argv[1])))))
