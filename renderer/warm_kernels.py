"""Warm kernels: each document's kernel is forked from one process that already imported its modules.

A fresh kernel spends about 1 s starting ipykernel and 4.5 s importing pandas,
scipy, statsmodels, matplotlib and the project's package in its first chunk;
a build starts eleven. So a build that executes documents starts one zygote
(:mod:`renderer.zygote`) with the build's kernel environment, which imports
ipykernel and every module the documents import at top level (read from the
chunks with :mod:`ast`), then forks one kernel per document. jupyter_client
still launches "the kernel", but its command is a small proxy
(:mod:`renderer.kernel_proxy`) that has the zygote fork the real one with the
document's connection file, folder and exact environment.

A forked kernel is a new process: its own globals, modules, folder and
environment, as a fresh one. The zygote refuses (and the document gets a
normal kernel) when the document's environment differs in a variable read at
import time, or its folder has a module of the same name as one imported.
Whatever goes wrong with warming, the build goes on with normal kernels and one
WARNING line; ``RENDERER_WARM_KERNELS=0`` turns it off.
"""
from __future__ import annotations

import ast
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

WARM_ENV_VAR = "RENDERER_WARM_KERNELS"
_HERE = Path(__file__).resolve().parent
_READY_TIMEOUT = 180.0  # seconds for the zygote's imports; past that, normal kernels
_PYTHON_NAMES = {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}


def warming_enabled() -> bool:
    return os.environ.get(WARM_ENV_VAR, "1").strip().lower() not in {"0", "false", "no", "off"}


def imported_modules(codes) -> list[str]:
    """Modules named by top-level imports in ``codes`` (chunk sources), in first-seen order.

    ``import a.b`` gives ``a.b``; ``from a import b`` gives ``a!b`` (the zygote
    imports ``a``, and ``a.b`` only when it is a submodule, as the statement
    would). Relative imports, and chunks that do not parse, are left out.
    """
    names: dict = {}
    for code in codes:
        tree = _parse(code)
        for node in tree.body if tree is not None else ():
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.setdefault(alias.name, None)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.setdefault(node.module, None)
                for alias in node.names:
                    if alias.name != "*":
                        names.setdefault(f"{node.module}!{alias.name}", None)
    return list(names)


def _parse(code: str):
    try:
        return ast.parse(code)
    except SyntaxError:
        pass
    # IPython syntax (`%matplotlib`, `!ls`) is not Python: drop those lines and try once more.
    plain = "\n".join("" if re.match(r"\s*[%!]", line) else line for line in code.splitlines())
    try:
        return ast.parse(plain)
    except SyntaxError:
        return None


def _kernel_command():
    """(python, spec) of the ``python3`` kernel when it is the standard ipykernel launcher, else None."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    argv = list(spec.argv)
    if argv[1:] != ["-m", "ipykernel_launcher", "-f", "{connection_file}"]:
        return None
    return (sys.executable if argv[0] in _PYTHON_NAMES else argv[0]), spec


class WarmKernels:
    """The zygote of one build. ``spec_manager()`` gives the kernel spec manager kernels start with."""

    def __init__(self, env: dict, progress: Callable[[str], None]):
        self.env = env
        self.progress = progress
        self.folder = None
        self.process = None
        self._status = None
        self._specs = None
        self._lock = threading.Lock()
        self._warned: set = set()
        self._log = None

    def start(self, jobs) -> None:
        """Start the zygote for ``jobs`` (their evaluated chunks name the modules); once per build."""
        if self.process is not None or self._status is not None:
            return
        if not warming_enabled():
            self._status = {"ready": False, "off": True}
            return
        try:
            command = _kernel_command()
            if command is None:
                raise RuntimeError("the python3 kernel spec is not ipykernel's launcher")
            python, spec = command
            codes = [chunk.code for job in jobs for chunk, options in zip(job.document.chunks, job.options)
                     if options["eval"]]
            self.folder = Path(tempfile.mkdtemp(prefix="renderer-warm-"))  # mode 0700
            (self.folder / "fallback").mkdir()
            config = {"socket": str(self.folder / "zygote.sock"), "modules": imported_modules(codes),
                      "folders": sorted({str(job.document.path.parent.resolve()) for job in jobs})}
            if len(config["socket"]) > 100:
                raise RuntimeError(f"the socket path {config['socket']} is too long")
            (self.folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
            self._log = open(self.folder / "zygote.log", "wb")
            self.process = subprocess.Popen(
                [python, str(_HERE / "zygote.py"), str(self.folder / "config.json")],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, cwd=self.folder,
                env=self.zygote_env(spec), start_new_session=True)
            self._python = python
            self._started = time.perf_counter()
        except Exception as error:  # noqa: BLE001 - warming never fails a build
            self._give_up(f"could not start: {error}")

    def zygote_env(self, spec) -> dict:
        """The environment the zygote imports with: what jupyter_client gives a kernel of this build.

        ``JPY_PARENT_PID`` is this process, as jupyter_client sets it (ipykernel reads it at import).
        """
        return {**self.env, **(spec.env or {}), "JPY_PARENT_PID": str(os.getpid())}

    def spec_manager(self):
        """A KernelSpecManager whose ``python3`` runs the proxy, or None (normal kernels)."""
        with self._lock:
            if self._status is None:
                self._status = self._wait_ready()
                if self._status.get("ready"):
                    self._specs = _proxy_specs(self._python, self.folder)
                    (self.folder / "status.json").write_text(json.dumps(self._status), encoding="utf-8")
                    self.progress(f"  warm kernels: zygote ready in {self._status['seconds']:.1f}s "
                                  f"({self._status['modules']} modules loaded; {len(self._status['failed'])} "
                                  f"imports failed, {len(self._status['skipped'])} left to the documents)")
            return self._specs

    def _wait_ready(self) -> dict:
        if self.process is None:
            return {"ready": False}
        started = time.perf_counter()
        line = b""
        while not line.endswith(b"\n"):
            left = _READY_TIMEOUT - (time.perf_counter() - started)
            readable, _, _ = select.select([self.process.stdout], [], [], max(0.0, left))
            chunk = os.read(self.process.stdout.fileno(), 65536) if readable else b""
            if not chunk:
                self._give_up("did not start" if readable else f"not ready after {_READY_TIMEOUT:.0f}s")
                return {"ready": False}
            line += chunk
        status = json.loads(line)
        status["seconds"] = time.perf_counter() - self._started
        if not status.get("ready"):
            self._give_up("; ".join(status.get("problems", [])) or "refused")
        return status

    def _give_up(self, reason: str) -> None:
        log = ""
        if self.folder is not None and (self.folder / "zygote.log").is_file():
            log = (self.folder / "zygote.log").read_text(encoding="utf-8", errors="replace").strip()[-300:]
        self.progress(f"  WARNING warm kernels off for this build, documents use normal kernels: {reason}"
                      + (f" ({log})" if log else ""))
        self._stop()

    def fallback_reason(self, connection_file: str) -> str | None:
        """Why the kernel on ``connection_file`` was started normally, when the zygote refused it."""
        if self.folder is None or not connection_file:
            return None
        note = self.folder / "fallback" / (os.path.basename(connection_file) + ".txt")
        return note.read_text(encoding="utf-8") if note.is_file() else None

    def warn_fallback(self, display_name: str, connection_file: str) -> None:
        reason = self.fallback_reason(connection_file)
        if reason is not None and connection_file not in self._warned:
            self._warned.add(connection_file)
            self.progress(f"  WARNING {display_name}: normal kernel, not a warm one: {reason}")

    def _stop(self) -> None:
        if self.process is not None:
            for pipe in (self.process.stdin, self.process.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass
            try:  # stdin closed: the zygote kills its kernels and exits
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def close(self) -> None:
        self._stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _proxy_specs(python: str, folder: Path):
    from jupyter_client.kernelspec import KernelSpecManager

    class ProxySpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            spec = super().get_kernel_spec(kernel_name)
            spec.argv = [python, "-I", "-S", str(_HERE / "kernel_proxy.py"), str(folder / "zygote.sock"),
                         str(folder / "fallback"), "--", python, "-m", "ipykernel_launcher",
                         "-f", "{connection_file}"]
            return spec

    return ProxySpecs()
