"""Warm kernels (renderer.warm_kernels): forked kernels behave as fresh ones, and nothing outlives a build.

Real kernels, a real zygote and real processes throughout; the fallbacks are
forced with real modules that break the zygote, never with stand-ins.
"""
from __future__ import annotations

import os
import re
import signal
import textwrap

import psutil
import pytest
from render_helpers import copy_fixture, sha256_tree, write_project

from renderer import ChunkError, RenderError, render_project
from renderer.warm_kernels import WARM_ENV_VAR

WARM_LINE = "  warm kernels: "


_BEFORE: set = set()


@pytest.fixture(autouse=True)
def _processes_before_the_test():
    """This process's descendants from before the test (in a whole-suite run, the PySpark JVM
    a session fixture started): they are not the test's to account for."""
    _BEFORE.clear()
    _BEFORE.update(child.pid for child in psutil.Process().children(recursive=True))
    yield


def _descendants() -> list:
    """Live (not zombie) processes the test left under this test process: kernels, proxies, zygotes."""
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.pid not in _BEFORE and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{child.pid} {' '.join(child.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return alive


def _page(site, name: str) -> str:
    return (site / name).read_text(encoding="utf-8")


def _without_pid(page: str) -> str:
    return re.sub(r"ipykernel_\d+/", "ipykernel_PID/", page)


def _doc(body: str) -> str:
    return "---\ntitle: Doc\n---\n\n```{python}\n" + textwrap.dedent(body).strip() + "\n```\n"


@pytest.fixture
def helper_path(tmp_path):
    """A folder on the kernels' PYTHONPATH holding the modules the documents import."""
    folder = tmp_path / "pymodules"
    folder.mkdir()
    (folder / "warmk_shared.py").write_text(
        'import os\nos.environ.setdefault("WARMK_SET_AT_IMPORT", "set by the import")\nVALUE = "original"\n',
        encoding="utf-8")
    return folder


def test_fixture_site_is_byte_identical_with_warm_kernels_on_and_off(fixture_build, tmp_path, monkeypatch):
    _, warm_result, warm_lines = fixture_build
    assert any(line.startswith(WARM_LINE) for line in warm_lines), warm_lines
    assert not [line for line in warm_lines if "WARNING" in line and "kernel" in line]
    monkeypatch.setenv(WARM_ENV_VAR, "0")
    lines: list[str] = []
    cold = render_project(copy_fixture(tmp_path / "project"), tmp_path / "site", cache_dir=None,
                          fingerprint="data-v1", progress=lines.append)
    assert not any(line.startswith(WARM_LINE) for line in lines)
    warm_tree, cold_tree = sha256_tree(warm_result.out_dir), sha256_tree(cold.out_dir)
    assert sorted(warm_tree) == sorted(cold_tree)
    html = [name for name in warm_tree if name.endswith(".html")]
    assert len(html) >= 3
    # A warning's file name holds the kernel's pid (/tmp/ipykernel_<pid>/), which differs between
    # any two kernels, warm or not; everything else must be the same bytes.
    for name in html:
        warm_page, cold_page = (_page(site, name) for site in (warm_result.out_dir, cold.out_dir))
        assert _without_pid(warm_page) == _without_pid(cold_page), name
    figures = [name for name in warm_tree if name.endswith(".png")]
    assert figures and {n: warm_tree[n] for n in figures} == {n: cold_tree[n] for n in figures}


def test_documents_of_one_build_are_isolated_and_see_their_folder_and_environment(tmp_path, helper_path):
    documents = {
        "a/one.qmd": _doc("""
            import os, json, warmk_shared
            warmk_shared.VALUE = "patched by A"
            json.WARMK_MARK = "set by A"
            SECRET_A = 42
            print(f"A cwd=[{os.getcwd()}] var=[{os.environ['WARMK_VAR']}] inputs=[{os.environ['RENDERER_INPUTS_FILE']}]")
            """),
        "b/two.qmd": _doc("""
            import os, json, warmk_shared
            print(f"B value=[{warmk_shared.VALUE}] secret=[{'SECRET_A' in globals()}] mark=[{hasattr(json, 'WARMK_MARK')}]")
            print(f"B cwd=[{os.getcwd()}] var=[{os.environ['WARMK_VAR']}] inputs=[{os.environ['RENDERER_INPUTS_FILE']}]")
            print(f"B import-set=[{os.environ.get('WARMK_SET_AT_IMPORT')}]")
            """),
    }
    project = write_project(tmp_path / "project", documents)
    for run in ("first", "second"):
        lines: list[str] = []
        # One job: A runs (and patches) before B starts, both forked from the same zygote.
        render_project(project, tmp_path / f"site-{run}", env={"PYTHONPATH": str(helper_path), "WARMK_VAR": run},
                       jobs=1, progress=lines.append)
        assert any(line.startswith(WARM_LINE) for line in lines), lines
        assert not [line for line in lines if "WARNING" in line], lines
        one, two = _page(tmp_path / f"site-{run}", "a/one.html"), _page(tmp_path / f"site-{run}", "b/two.html")
        assert "B value=[original] secret=[False] mark=[False]" in two
        assert "B import-set=[set by the import]" in two  # as after the import in a fresh kernel
        assert f"A cwd=[{(project / 'a').resolve()}] var=[{run}]" in one
        assert f"B cwd=[{(project / 'b').resolve()}] var=[{run}]" in two
        inputs_a = re.search(r"inputs=\[(/[^\]<]+)\]", one).group(1)
        inputs_b = re.search(r"inputs=\[(/[^\]<]+)\]", two).group(1)
        assert inputs_a != inputs_b
    assert _descendants() == []


@pytest.mark.parametrize("warm", ["1", "0"])
def test_failures_are_reported_the_same_way_warm_or_not(tmp_path, monkeypatch, warm):
    monkeypatch.setenv(WARM_ENV_VAR, warm)
    raising = write_project(tmp_path / "raising", {"index.qmd": (
        "---\ntitle: T\n---\n\n```{python}\n#| label: fine\nx = 1\n```\n\n"
        "```{python}\n#| label: explodes\nraise ValueError('warmk boom')\n```\n")})
    with pytest.raises(ChunkError) as failure:
        render_project(raising, tmp_path / "site", progress=lambda line: None)
    assert failure.value.document == "index.qmd" and failure.value.chunk == "explodes"
    assert failure.value.traceback.splitlines()[-1] == "ValueError: warmk boom"

    missing = write_project(tmp_path / "missing", {"index.qmd": _doc("import warmk_no_such_module")})
    with pytest.raises(ChunkError) as failure:
        render_project(missing, tmp_path / "site", progress=lambda line: None)
    assert failure.value.traceback.splitlines()[-1] == "ModuleNotFoundError: No module named 'warmk_no_such_module'"
    assert not (tmp_path / "site").exists()
    assert _descendants() == []


@pytest.mark.parametrize("warm", ["1", "0"])
def test_a_killed_kernel_fails_the_build_and_leaves_no_process(tmp_path, monkeypatch, warm):
    monkeypatch.setenv(WARM_ENV_VAR, warm)
    project = write_project(tmp_path / "project", {
        "index.qmd": _doc("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        "other.qmd": _doc("print('still fine')")})
    with pytest.raises(Exception) as failure:
        render_project(project, tmp_path / "site", progress=lambda line: None)
    assert "dead" in str(failure.value).lower() or "died" in str(failure.value).lower(), failure.value
    assert not (tmp_path / "site").exists()
    assert _descendants() == []


def test_killing_the_proxy_kills_its_forked_kernel(tmp_path, helper_path):
    """What nbclient's immediate shutdown does: SIGKILL to the proxy's process group, not to the kernel."""
    from jupyter_client.manager import KernelManager

    from renderer.warm_kernels import WarmKernels

    lines: list[str] = []
    warm = WarmKernels(dict(os.environ), lines.append)
    project = write_project(tmp_path / "project", {"index.qmd": _doc("import json")})
    from renderer.qmd import parse_qmd
    from renderer.schedule import Job
    document = parse_qmd(project / "index.qmd", (project / "index.qmd").read_text(encoding="utf-8"))
    warm.start([Job(1, "index.qmd", document, [{"eval": True}], {}, "key")])
    try:
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
        manager.kernel_spec_manager = warm.spec_manager()
        manager.start_kernel(cwd=str(project), env=dict(os.environ))
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("import os; print(os.getpid(), os.getppid())", timeout=60,
                                           output_hook=lambda msg: lines.append(msg["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        kernel_pid, kernel_parent = map(int, "".join(lines[1:]).split())
        proxy = manager.provisioner.process.pid
        assert kernel_parent == warm.process.pid and kernel_pid != proxy
        client.stop_channels()
        os.killpg(proxy, signal.SIGKILL)
        manager.provisioner.process.wait()
        gone, alive = psutil.wait_procs([psutil.Process(kernel_pid)], timeout=30)
        assert not alive
    finally:
        warm.close()
    assert _descendants() == []


def _fallback_project(tmp_path, module: str) -> tuple:
    modules = tmp_path / "pymodules"
    modules.mkdir()
    (modules / "warmk_breaker.py").write_text(textwrap.dedent(module), encoding="utf-8")
    project = write_project(tmp_path / "project", {"index.qmd": _doc("import warmk_breaker\nprint('ran-' + 'fine')")})
    lines: list[str] = []
    result = render_project(project, tmp_path / "site", env={"PYTHONPATH": str(modules)}, progress=lines.append)
    return _page(result.out_dir, "index.html"), lines


def test_a_zygote_that_dies_while_importing_falls_back_to_normal_kernels(tmp_path):
    page, lines = _fallback_project(tmp_path, """
        import os
        from IPython import get_ipython
        if get_ipython() is None:  # outside a kernel: in the zygote
            os._exit(3)
        """)
    assert "ran-fine" in page
    assert [line for line in lines if "WARNING warm kernels off for this build" in line and "did not start" in line]
    assert _descendants() == []


def test_a_module_starting_a_thread_at_import_turns_warming_off(tmp_path):
    page, lines = _fallback_project(tmp_path, """
        import threading
        threading.Thread(target=threading.Event().wait, daemon=True).start()
        """)
    assert "ran-fine" in page
    assert [line for line in lines if "WARNING warm kernels off" in line and "2 threads after the imports" in line]


def test_a_folder_with_its_own_copy_of_an_imported_module_gets_a_normal_kernel(tmp_path):
    project = write_project(tmp_path / "project", {
        "index.qmd": _doc("import json\nprint('index-' + json.dumps(1))"),
        "odd/page.qmd": _doc("import json\nprint('odd-' + json.dumps(2))")})
    (project / "odd" / "json.py").write_text("raise RuntimeError('never imported by a kernel')\n", encoding="utf-8")
    lines: list[str] = []
    result = render_project(project, tmp_path / "site", progress=lines.append)
    assert "index-1" in _page(result.out_dir, "index.html")
    assert "odd-2" in _page(result.out_dir, "odd/page.html")
    warnings = [line for line in lines if "WARNING" in line]
    assert len(warnings) == 1 and "odd/page.qmd: normal kernel" in warnings[0] and "json" in warnings[0], lines


def test_opt_out_variable_runs_normal_kernels_only(tmp_path, monkeypatch):
    monkeypatch.setenv(WARM_ENV_VAR, "0")
    project = write_project(tmp_path / "project", {"index.qmd": _doc("import os\nprint('parent-' + str(os.getppid()))")})
    lines: list[str] = []
    result = render_project(project, tmp_path / "site", progress=lines.append)
    assert not any("warm" in line for line in lines)
    parent = int(re.search(r"parent-(\d+)", _page(result.out_dir, "index.html")).group(1))
    assert parent == os.getpid()  # launched by jupyter_client from this process, not forked


STATE_CHUNK = '''
import os, signal, sys, threading, warnings
import numpy, pandas
import matplotlib
hm = get_ipython().history_manager
state = {
    "argv": [sys.argv[0].rsplit("/", 1)[-1]] + [a for a in sys.argv[1:] if not a.endswith(".json")],
    "path": sys.path, "name": __name__, "main": type(sys.modules["__main__"]).__name__,
    "signals": [str(signal.getsignal(s)) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE)],
    "threads": sorted(t.name for t in threading.enumerate()),
    "filters": [repr(f) for f in warnings.filters],
    "history": [hm.hist_file, hm.using_thread],
    "fds": len(os.listdir("/proc/self/fd")), "leader": [os.getpgid(0) == os.getpid(), os.getsid(0) == os.getpid()],
    "backend": [matplotlib.get_backend(), matplotlib.rcParams["figure.dpi"], matplotlib.rcParams["figure.figsize"]],
    "env": sorted(k for k in os.environ if k != "RENDERER_INPUTS_FILE"),
    "modules": sorted(m for m in sys.modules),
}
import json
with open("state.json", "w") as handle:
    json.dump(state, handle, default=str)
'''


def test_a_warm_kernel_starts_in_the_state_of_a_fresh_one(tmp_path, monkeypatch):
    """argv, sys.path, signals, threads, warnings filters (and their order), history, modules loaded."""
    import json

    project = write_project(tmp_path / "project", {"index.qmd": _doc(STATE_CHUNK)})
    states = {}
    for warm in ("1", "0"):
        monkeypatch.setenv(WARM_ENV_VAR, warm)
        lines: list[str] = []
        result = render_project(project, tmp_path / f"site-{warm}", progress=lines.append)
        assert any(line.startswith(WARM_LINE) for line in lines) == (warm == "1")
        states[warm] = json.loads((project / "state.json").read_text(encoding="utf-8"))
    warm, cold = states["1"], states["0"]
    assert warm["argv"] == cold["argv"] == ["ipykernel_launcher.py", "-f", "--HistoryManager.hist_file=:memory:"]
    for key in cold:
        assert warm[key] == cold[key], (key, sorted(set(warm[key]) ^ set(cold[key])) if key == "modules" else "")
