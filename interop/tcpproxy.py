#!/usr/bin/env python3
"""A TCP proxy for the cluster tests: python3 tcpproxy.py LISTEN_PORT TARGET_PORT (both on 127.0.0.1).

Each connection accepted on LISTEN_PORT is forwarded, both ways, to TARGET_PORT. SIGUSR1 cuts the link: every
connection is closed at once in both directions, and each new one is closed as soon as it is accepted (a
network partition as the two ends see it, without root's network tricks); SIGUSR2 heals it. Prints "ready"
once it listens."""
import signal
import socket
import sys
import threading

listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
lock = threading.RLock()  # re-entrant: the signal handler runs on the main thread, which may hold it
conns = set()
cut = False


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv() on it
        except OSError:
            pass
        s.close()


def close_all():
    with lock:
        close(*conns)
        conns.clear()


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data or cut:
                break  # nothing read after a cut goes on
            dst.sendall(data)
    except OSError:
        pass
    with lock:
        conns.discard(src)
        conns.discard(dst)
    close(src, dst)


def on_signal(sig, _frame):
    global cut
    cut = sig == signal.SIGUSR1
    if cut:
        close_all()


signal.signal(signal.SIGUSR1, on_signal)
signal.signal(signal.SIGUSR2, on_signal)
server = socket.create_server(("127.0.0.1", listen_port))
print("ready", flush=True)
while True:
    client, _ = server.accept()
    if cut:
        client.close()
        continue
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=5)
        upstream.settimeout(None)
    except OSError:
        client.close()
        continue
    with lock:
        conns.update((client, upstream))
    if cut:
        close_all()
        continue
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
