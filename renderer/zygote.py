"""The warm-kernel fork server: one per build, run as a script by :mod:`renderer.warm_kernels`.

It imports ipykernel and the modules the build's documents import, then forks one kernel per
document on request. Standard library only (the kernel's path need not have the renderer).

Usage: ``python zygote.py CONFIG_JSON``. The config gives ``socket`` (a Unix
socket path in a private folder), ``modules`` (to import, errors ignored) and
``folders`` (the documents' folders). One JSON line on stdout says whether it
is ready; it exits when its stdin closes (the renderer ended the build or died).

Protocol on the socket (messages: 4-byte big-endian length, then JSON):
the proxy sends ``{"args", "cwd", "env"}`` (``args``: the kernel's command line after
``-m ipykernel_launcher``) with its stdin, stdout and stderr attached (SCM_RIGHTS); the reply is ``{"pid"}`` or ``{"error"}``; the
proxy may send ``{"signal": n}``; the last reply is ``{"exit": code}`` (a
negative code: killed by that signal). If the proxy's connection closes
first, the kernel's process group is killed.
"""
import sys

del sys.path[0]  # the script's folder: what `python -m ipykernel_launcher` also removes (its cwd)

import json, os, selectors, signal, socket, struct  # noqa: E401,E402

# Read by C libraries (not through os.environ) or by the interpreter at start-up: a document
# whose environment differs in one of these gets a fresh kernel instead.
_NATIVE_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS", "GOTO_NUM_THREADS", "LANG", "LANGUAGE", "TZ")
_NATIVE_PREFIXES = ("PYTHON", "LC_")
_INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What a kernel imports before it runs anything (runpy: `python -m`), then what
# `%matplotlib inline` (the renderer's setup, run in every kernel) imports.
_KERNEL_MODULES = ["runpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.core.completer"]
_SETUP_MODULES = ["matplotlib.pyplot", "matplotlib_inline.backend_inline"]


def _set_pdeathsig(sig):
    """Ask Linux to send ``sig`` to this process when its parent dies."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class _Reads(type(os.environ)):
    """``os.environ`` while the zygote imports: remembers which variables were read."""

    seen = set()

    def __getitem__(self, key):
        _Reads.seen.add(key)
        return super().__getitem__(key)

    def __iter__(self):
        _Reads.seen.add("*")
        return super().__iter__()


def _kernel_view(env):
    """``env`` as ipykernel leaves it before it imports matplotlib (it sets the inline backend)."""
    env = dict(env)
    if not env.get("MPLBACKEND"):
        env["MPLBACKEND"] = _INLINE_BACKEND
    return env


def _origin(spec):
    if spec is None or spec.loader is None:  # absent, or a namespace portion (a regular module wins)
        return None
    return spec.origin or repr(spec.loader)


def _shadowing(folder, names, loaded_origin):
    """Names among ``names`` that a module file or package in ``folder`` would replace."""
    from importlib.machinery import PathFinder
    found = []
    for name in names:
        try:
            spec = PathFinder.find_spec(name, [folder])
        except Exception:
            continue
        origin = _origin(spec)
        if origin is not None and origin != loaded_origin(name):
            found.append(name)
    return sorted(found)


def _import_all(modules, folders):
    """Import ``modules`` (a failure is the document's to report, later); returns what was skipped."""
    import importlib
    import importlib.util
    import io
    import warnings

    def real_origin(name):
        module = sys.modules.get(name)
        if module is not None:
            spec = getattr(module, "__spec__", None)
            return _origin(spec) if spec is not None else getattr(module, "__file__", None)
        try:
            return _origin(importlib.util.find_spec(name))
        except Exception:
            return None

    skipped, failed = [], []
    shadowed = {name for folder in folders
                for name in _shadowing(folder, sorted({_top(m) for m in modules}), real_origin)}
    captured, caught = io.StringIO(), []
    real_out, real_err, real_show = sys.stdout, sys.stderr, warnings.showwarning
    # Warnings are recorded by replacing showwarning, not with catch_warnings: that would also
    # undo the filters the modules install, which a fresh kernel keeps.
    warnings.showwarning = lambda message, category, *_args, **_kw: caught.append(f"{category.__name__}: {message}")
    os.environ.__class__ = _Reads
    sys.stdout = sys.stderr = captured
    boot_filters = None
    try:
        for name in _KERNEL_MODULES + _SETUP_MODULES + modules:
            if name == _SETUP_MODULES[0]:
                boot_filters = list(warnings.filters)
            if _top(name) in shadowed:
                skipped.append(name)
                continue
            _try_import(name, failed, importlib)
    finally:
        sys.stdout, sys.stderr, warnings.showwarning = real_out, real_err, real_show
        os.environ.__class__ = type(os.environ).__mro__[1]
    problems = [f"import printed {captured.getvalue()[:200]!r}"] if captured.getvalue() else []
    problems += [f"import warned: {warning}" for warning in caught]
    # The filters the documents' modules added (at the front), if they only added some.
    added = len(warnings.filters) - len(boot_filters)
    user_filters = added if added >= 0 and warnings.filters[added:] == boot_filters else None
    return skipped, failed, problems, real_origin, user_filters


def _top(name):
    return name.split("!")[0].split(".")[0]


def _try_import(name, failed, importlib):
    parent, _, attr = name.rpartition("!")
    try:
        if parent:  # `from parent import attr`: attr is imported as a submodule only if it is not an attribute
            module = importlib.import_module(parent)
            if hasattr(module, attr) or importlib.util.find_spec(f"{parent}.{attr}") is None:
                return
            name = f"{parent}.{attr}"
        importlib.import_module(name)
    except BaseException as error:  # noqa: BLE001 - SystemExit included: a real kernel reports it
        failed.append(f"{name}: {type(error).__name__}")


def _send(conn, message):
    data = json.dumps(message).encode()
    try:
        conn.sendall(struct.pack(">I", len(data)) + data)
        return True
    except OSError:
        return False


class Zygote:
    def __init__(self, config):
        self.config = config
        self.selector = selectors.DefaultSelector()
        self.conns = {}      # socket -> {"buf": bytes, "fds": list, "pid": int|None}
        self.children = {}   # pid -> (pidfd, conn)
        self.folder_checks = {}
        self.import_env = {}
        self.env_changes, self.env_removed = {}, []
        self.reads = set()
        self.real_origin = None
        self.user_filters = None
        self.listener = None

    def prepare(self):
        os.environ.update(_kernel_view(os.environ))
        self.import_env = dict(os.environ)  # what the imports saw
        skipped, failed, problems, self.real_origin, self.user_filters = _import_all(self.config["modules"], self.config["folders"])
        self.reads = set(_Reads.seen)
        # What the imports themselves set (scikit-learn sets KMP_DUPLICATE_LIB_OK, for one): a fresh
        # kernel has it after the same imports, so each forked kernel gets it on top of its own.
        self.env_changes = {k: v for k, v in os.environ.items() if self.import_env.get(k) != v}
        self.env_removed = [k for k in self.import_env if k not in os.environ]
        import threading
        threads = threading.active_count()
        if threads != 1:
            problems.append(f"{threads} threads after the imports")
        return {"ready": not problems, "threads": threads, "skipped": skipped, "failed": failed,
                "problems": problems, "reads": sorted(self.reads), "modules": len(sys.modules)}

    def serve(self):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.config["socket"])
        self.listener.listen(64)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
        try:
            while True:
                for key, _ in self.selector.select():
                    if key.data == "stdin":
                        if not os.read(sys.stdin.fileno(), 4096):
                            return
                    elif key.data == "accept":
                        conn, _ = self.listener.accept()
                        if conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[4:8] != struct.pack("i", os.getuid()):
                            conn.close()
                            continue
                        self.conns[conn] = {"buf": b"", "fds": [], "pid": None}
                        self.selector.register(conn, selectors.EVENT_READ, "conn")
                    elif key.data == "conn":
                        try:
                            self._readable(key.fileobj)
                        except Exception as error:  # noqa: BLE001 - one bad request must not stop the others
                            _send(key.fileobj, {"error": f"{type(error).__name__}: {error}"})
                            self._closed(key.fileobj)
                    else:
                        self._reap(key.data)
        finally:
            for pid in list(self.children):
                _kill_group(pid)
            for pid in list(self.children):
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass

    def _readable(self, conn):
        state = self.conns[conn]
        try:
            if state["pid"] is None and not state["fds"]:
                data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
                state["fds"] = fds
            else:
                data = conn.recv(1 << 20)
        except OSError:
            data = b""
        if not data:
            self._closed(conn)
            return
        state["buf"] += data
        while len(state["buf"]) >= 4:
            size = struct.unpack(">I", state["buf"][:4])[0]
            if len(state["buf"]) < 4 + size:
                return
            message = json.loads(state["buf"][4:4 + size])
            state["buf"] = state["buf"][4 + size:]
            if state["pid"] is None:
                self._fork(conn, state, message)
            elif "signal" in message and state["pid"] in self.children:
                _kill_group(state["pid"], int(message["signal"]))

    def _closed(self, conn):
        """The proxy is gone (killed, or done): its kernel must not outlive it."""
        state = self.conns.pop(conn)
        self.selector.unregister(conn)
        conn.close()
        for fd in state["fds"]:
            os.close(fd)
        if state["pid"] in self.children:
            _kill_group(state["pid"])
            pidfd, _ = self.children[state["pid"]]
            self.children[state["pid"]] = (pidfd, None)

    def _refusal(self, message):
        env = _kernel_view(message["env"])
        keys = set(self.reads) | {k for k in set(env) | set(self.import_env)
                                  if k in _NATIVE_ENV or k.startswith(_NATIVE_PREFIXES)}
        if "*" in keys:
            return "an import read the whole environment"
        differ = sorted(k for k in keys if env.get(k) != self.import_env.get(k))
        if differ:
            return f"the environment differs from the warm kernel's in {', '.join(differ)}"
        folder = message["cwd"]
        if folder not in self.folder_checks:
            names = {n.split(".")[0] for n in sys.modules}
            self.folder_checks[folder] = _shadowing(folder, names, self.real_origin)
        if self.folder_checks[folder]:
            return f"{folder} has its own {', '.join(self.folder_checks[folder][:5])}"
        return None

    def _fork(self, conn, state, message):
        reason = self._refusal(message) if len(state["fds"]) == 3 else "the standard streams were not passed"
        if reason:
            _send(conn, {"error": reason})
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(self, state["fds"], message)  # never returns
        for fd in state["fds"]:
            os.close(fd)
        state["fds"] = []
        state["pid"] = pid
        pidfd = os.pidfd_open(pid)
        self.children[pid] = (pidfd, conn)
        self.selector.register(pidfd, selectors.EVENT_READ, pid)
        _send(conn, {"pid": pid})

    def _reap(self, pid):
        pidfd, conn = self.children.pop(pid)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        _, status = os.waitpid(pid, 0)
        if conn is not None and conn in self.conns:
            _send(conn, {"exit": os.waitstatus_to_exitcode(status)})

    def own_fds(self):
        fds = [self.listener.fileno(), self.selector.fileno()]
        fds += [conn.fileno() for conn in self.conns] + [pidfd for pidfd, _ in self.children.values()]
        return fds


def _kill_group(pid, sig=signal.SIGKILL):
    try:
        os.killpg(pid, sig)
    except OSError:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _fresh_filter_order(before, user_filters):
    """Put the filters the kernel's start-up added behind those of the documents' modules.

    A fresh kernel adds its own filters first and the modules' ones when the document imports
    them; here the modules came first. Order matters when two filters match one warning.
    """
    import warnings
    after = list(warnings.filters)
    new = len(after) - len(before)
    if not user_filters or new <= 0 or after[new:] != before:
        return
    warnings.filters[:] = before[:user_filters] + after[:new] + before[user_filters:]
    warnings._filters_mutated()


def _child(zygote, fds, message):
    """In the forked kernel: become what `python -m ipykernel_launcher -f FILE` would be, then run it."""
    code = 1
    try:
        os.setsid()  # as jupyter_client starts a kernel: its own session and process group
        _set_pdeathsig(signal.SIGKILL)
        for sig in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in set(zygote.own_fds() + list(fds)):
            if fd > 2:
                os.close(fd)
        os.chdir(message["cwd"])
        os.environ.clear()
        os.environ.update(message["env"])
        os.environ.update(zygote.env_changes)
        for key in zygote.env_removed:
            os.environ.pop(key, None)
        import importlib.util
        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin] + list(message["args"])
        if "numpy.random" in sys.modules:  # a fresh kernel draws its own seed when numpy is imported
            sys.modules["numpy.random"].seed()
        from ipykernel.kernelapp import IPKernelApp
        code = 0
        try:  # IPKernelApp.launch_instance, with the warnings filters put in a fresh kernel's order
            app = IPKernelApp.instance()
            before = list(sys.modules["warnings"].filters)
            app.initialize(list(message["args"]))
            _fresh_filter_order(before, zygote.user_filters)
            app.start()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        import atexit
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - the kernel's own failure, reported as a fresh one would be
        import traceback
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def main():
    _set_pdeathsig(signal.SIGTERM)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(sys.argv[1], encoding="utf-8") as handle:
        config = json.load(handle)
    zygote = Zygote(config)
    status = zygote.prepare()
    print(json.dumps(status), flush=True)
    if status["ready"]:
        zygote.serve()


if __name__ == "__main__":
    main()
