"""The "kernel" jupyter_client starts when warm kernels are on: it has the zygote fork the real one.

Usage: ``python -I -S kernel_proxy.py SOCKET FALLBACK_FOLDER -- KERNEL_ARGV...``
(``KERNEL_ARGV`` is the kernel spec's own command, ``python -m ipykernel_launcher -f FILE``,
with the arguments jupyter_client adds, such as nbclient's in-memory history).

It sends the zygote (:mod:`renderer.zygote`) the kernel's arguments, its working
folder and its whole environment, with its stdin, stdout and stderr, then
waits for the forked kernel and exits with its status. SIGINT and SIGTERM are
passed on to the kernel. If it is killed, the zygote sees the connection
close and kills the kernel. If the zygote cannot be reached or refuses, it
writes the reason in ``FALLBACK_FOLDER`` and becomes the normal kernel
(``exec`` of ``KERNEL_ARGV``), so the document still runs. Standard library only.
"""
import json
import os
import signal
import socket
import struct
import sys


def _message(sock):
    header = _exactly(sock, 4)
    return json.loads(_exactly(sock, struct.unpack(">I", header)[0]))


def _exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the warm-kernel server closed the connection")
        data += chunk
    return data


def _send(sock, message, fds=()):
    data = json.dumps(message).encode()
    data = struct.pack(">I", len(data)) + data
    sent = socket.send_fds(sock, [data], list(fds)) if fds else 0
    sock.sendall(data[sent:])


def _fall_back(folder, connection_file, reason, kernel_argv):
    try:
        name = os.path.basename(connection_file) + ".txt"
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(reason)
    finally:
        os.execv(kernel_argv[0], kernel_argv)


def main():
    socket_path, folder, separator, *kernel_argv = sys.argv[1:]
    assert separator == "--", sys.argv
    connection_file = kernel_argv[kernel_argv.index("-f") + 1]
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(socket_path)
        request = {"connection_file": connection_file, "args": kernel_argv[3:], "cwd": os.getcwd(),
                   "env": dict(os.environ)}
        _send(sock, request, (0, 1, 2))
        reply = _message(sock)
    except (OSError, ValueError) as error:
        _fall_back(folder, connection_file, f"the warm-kernel server failed: {error}", kernel_argv)
    if "pid" not in reply:
        sock.close()
        _fall_back(folder, connection_file, reply.get("error", "no kernel was forked"), kernel_argv)

    def forward(signum, _frame):
        try:
            _send(sock, {"signal": signum})
        except OSError:
            pass

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        code = _message(sock)["exit"]
    except (OSError, ValueError, KeyError):
        code = 1  # the server died; its kernels die with it
    if code < 0:  # killed by a signal: end the same way, so the manager sees what a kernel's death looks like
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


if __name__ == "__main__":
    main()
