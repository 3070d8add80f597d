#!/usr/bin/python3
"""Loopback forwarder for the GanetiWebManager Ganeti sandbox.

Started by vagrant/ganeti-sandbox.sh; not meant to be run by hand.

Why it exists: the sandbox's Ganeti nodes live in isolated network namespaces
(no uplink, no route to anything outside).  The portal, the tests and a
developer's browser run in the host namespace and only need two things from the
cluster: the RAPI of the current master and the VNC consoles of kvm guests.

How it works: every listening socket is bound in the HOST namespace, on a
loopback address only.  Then the process moves itself (setns) into the network
namespace of node 1, so every outgoing connection is made inside the sandbox
network.  Nothing is routed: bytes are copied between two TCP connections.

* RAPI:  LISTEN:rapi_port -> master IP:5080 (--rapi-target).  Ganeti moves the master IP
         between the nodes on master-failover, so the forwarder follows the
         master without knowing which node it is.
* VNC:   LISTEN:P -> first node (in the order given) that accepts on port P.
         qemu binds its VNC server on 0.0.0.0:P of the node it runs on.

Must run under the system /usr/bin/python3 (asyncio, ctypes; no third-party
modules).
"""

import argparse
import asyncio
import ctypes
import ipaddress
import os
import pwd
import signal
import socket
import sys

CLONE_NEWNET = 0x40000000
RAPI_CONNECT_TIMEOUT = 5.0
VNC_CONNECT_TIMEOUT = 2.0
CHUNK = 65536


def log(msg):
    print(f"sandbox-forwarder[{os.getpid()}]: {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", required=True, help="loopback address to listen on")
    p.add_argument("--netns", required=True, help="path of the netns handle to enter")
    p.add_argument("--rapi-port", type=int, required=True)
    p.add_argument("--rapi-target", required=True, help="MASTER_IP:PORT inside the sandbox")
    p.add_argument("--vnc-ports", required=True, help="FIRST-LAST")
    p.add_argument("--vnc-targets", required=True, help="comma-separated node IPs")
    p.add_argument("--pidfile", required=True)
    p.add_argument("--user", default="nobody", help="user to drop to after setup")
    args = p.parse_args()
    if not ipaddress.ip_address(args.listen).is_loopback:
        p.error(f"--listen {args.listen} is not a loopback address (refusing)")
    host, _, port = args.rapi_target.rpartition(":")
    if not host or not port.isdigit():
        p.error(f"--rapi-target must be HOST:PORT, got {args.rapi_target!r}")
    args.rapi_host, args.rapi_target_port = host, int(port)
    first, _, last = args.vnc_ports.partition("-")
    args.vnc_range = range(int(first), int(last or first) + 1)
    args.vnc_target_list = [t for t in args.vnc_targets.split(",") if t]
    return args


def bind_listener(addr, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((addr, port))
    except OSError as exc:
        sock.close()
        raise SystemExit(f"sandbox-forwarder: cannot listen on {addr}:{port}: {exc.strerror}")
    sock.listen(128)
    sock.setblocking(False)
    return sock


def enter_netns(path):
    # Python 3.11 (Debian 12) has no os.setns; call libc directly.  Done before
    # any thread exists, so the whole process ends up in the namespace.
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise SystemExit(f"sandbox-forwarder: setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


def drop_privileges(user):
    # The sockets are bound and the namespace is entered: root is no longer needed.
    pw = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def splice(client_r, client_w, server_r, server_w):
    try:
        await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w))
    finally:
        for w in (client_w, server_w):
            w.close()


async def open_first(targets, port, timeout):
    last_error = None
    for host in targets:
        try:
            return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, asyncio.TimeoutError) as exc:
            last_error = exc
    raise ConnectionError(f"no target accepted port {port}: {last_error!r}")


def make_handler(targets, port, timeout):
    async def handle(client_r, client_w):
        try:
            server_r, server_w = await open_first(targets, port, timeout)
        except ConnectionError as exc:
            log(str(exc))
            client_w.close()
            return
        await splice(client_r, client_w, server_r, server_w)
    return handle


async def serve(args, listeners):
    servers = []
    for port, sock in listeners:
        if port == args.rapi_port:
            handler = make_handler([args.rapi_host], args.rapi_target_port, RAPI_CONNECT_TIMEOUT)
        else:
            handler = make_handler(args.vnc_target_list, port, VNC_CONNECT_TIMEOUT)
        servers.append(await asyncio.start_server(handler, sock=sock))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log(f"ready: {args.listen}:{args.rapi_port} -> {args.rapi_target}, "
        f"{args.listen}:{args.vnc_range.start}-{args.vnc_range.stop - 1} -> {args.vnc_targets}")
    await stop.wait()
    for s in servers:
        s.close()
    log("stopped")


def main():
    args = parse_args()
    ports = [args.rapi_port] + [p for p in args.vnc_range if p != args.rapi_port]
    listeners = [(p, bind_listener(args.listen, p)) for p in ports]
    enter_netns(args.netns)
    # The pid file is the "ready" signal for the script: written only once
    # every port is bound and the namespace is entered.
    tmp = f"{args.pidfile}.tmp"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(f"{os.getpid()}\n")
    os.replace(tmp, args.pidfile)
    drop_privileges(args.user)
    asyncio.run(serve(args, listeners))


if __name__ == "__main__":
    main()
