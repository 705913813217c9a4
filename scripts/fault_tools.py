#!/usr/bin/env python3
"""Small tools for scripts/fault-tests, standard library only, loopback only.

  proxy LISTEN_PORT UPSTREAM_HOST:PORT CUT_FILE
      A TCP proxy. While CUT_FILE exists it drops every open connection and refuses
      new ones: the network to the upstream is cut. Remove the file to restore.
  hook LISTEN_PORT LOG_FILE [hang]
      A webhook receiver: appends the "id" of every JSON body POSTed to it to LOG_FILE
      and answers 200. With "hang" it accepts connections and never answers.
  clients PORT IDLE SLOW SECONDS OUT_JSON
      Opens IDLE idle connections and SLOW slowloris clients (a header byte a second)
      to 127.0.0.1:PORT, meanwhile times one /healthz request every 200 ms, and after
      SECONDS reports how many of each the server had closed, and the latencies.
Every tool stops by itself: the proxy and hooks when the script that started them
ends, or after 15 minutes at most.
"""

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIFETIME_S = 900


def die_with_parent():
    """End the process when its parent (the script) is gone, or after LIFETIME_S."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    threading.Timer(LIFETIME_S, lambda: os._exit(0)).start()


def proxy(listen_port, upstream, cut_file):
    host, port = upstream.rsplit(":", 1)
    upstream = (host, int(port))
    generation = [0]
    lock = threading.Lock()

    def pipe(src, dst, born):
        try:
            src.settimeout(0.1)
            while generation[0] == born:
                try:
                    data = src.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def watch_cut():
        was_cut = False
        while True:
            cut = os.path.exists(cut_file)
            if cut and not was_cut:
                with lock:
                    generation[0] += 1
            was_cut = cut
            time.sleep(0.05)

    threading.Thread(target=watch_cut, daemon=True).start()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(listen_port)))
    server.listen(512)
    while True:
        client, _ = server.accept()
        if os.path.exists(cut_file):
            client.close()
            continue
        try:
            up = socket.create_connection(upstream, timeout=2)
        except OSError:
            client.close()
            continue
        born = generation[0]
        threading.Thread(target=pipe, args=(client, up, born), daemon=True).start()
        threading.Thread(target=pipe, args=(up, client, born), daemon=True).start()


def hook(listen_port, log_file, mode=""):
    log = open(log_file, "a", buffering=1)
    lock = threading.Lock()

    if mode == "hang":
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", int(listen_port)))
        server.listen(512)
        held = []
        while True:
            conn, _ = server.accept()
            held.append(conn)  # never answered, never closed
            with lock:
                log.write("connection\n")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            try:
                event_id = json.loads(body).get("id", "")
            except ValueError:
                event_id = ""
            with lock:
                log.write(event_id + "\n")
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        # socketserver's default listen backlog is 5: with raqib sending a batch of
        # events at once, the kernel dropped the excess connection attempts and each
        # delivery round waited out the webhook timeout. Real web servers queue 511+.
        request_queue_size = 1024

    Server(("127.0.0.1", int(listen_port)), Handler).serve_forever()


def clients(port, idle, slow, seconds, out_json):
    port, idle, slow, seconds = int(port), int(idle), int(slow), float(seconds)
    addr = ("127.0.0.1", port)
    idle_socks, opened_failed = [], 0
    for _ in range(idle):
        try:
            s = socket.create_connection(addr, timeout=5)
            idle_socks.append(s)
        except OSError:
            opened_failed += 1
    slow_socks = []
    for i in range(slow):
        s = socket.create_connection(addr, timeout=5)
        s.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        slow_socks.append(s)
    latencies, statuses = [], []
    start = time.time()
    tick = 0
    while time.time() - start < seconds:
        tick += 1
        if tick % 5 == 0:
            for s in slow_socks:
                try:
                    s.send(b"x")
                except OSError:
                    pass
        t0 = time.time()
        try:
            c = socket.create_connection(addr, timeout=5)
            c.settimeout(5)
            c.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            data = c.recv(64)
            c.close()
            statuses.append(int(data.split()[1]) if data else 0)
        except OSError:
            statuses.append(0)
        latencies.append((time.time() - t0) * 1000)
        time.sleep(0.2)

    def closed(socks):
        n = 0
        for s in socks:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    n += 1
            except BlockingIOError:
                pass
            except OSError:
                n += 1
        return n

    latencies.sort()
    result = {
        "idle_opened": len(idle_socks),
        "idle_failed_to_open": opened_failed,
        "idle_closed_by_server": closed(idle_socks),
        "slow": slow,
        "slow_closed_by_server": closed(slow_socks),
        "probes": len(statuses),
        "probes_ok": sum(1 for s in statuses if s == 200),
        "probe_p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        "probe_max_ms": round(latencies[-1], 2) if latencies else None,
    }
    with open(out_json, "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    tool, args = sys.argv[1], sys.argv[2:]
    if tool in ("proxy", "hook"):
        die_with_parent()
    {"proxy": proxy, "hook": hook, "clients": clients}[tool](*args)
