"""The GitHub workflow is valid against GitHub's schema and does what the issue asks, in order.

The schema check uses check-jsonschema's built-in copy of the SchemaStore
``github-workflows`` schema (it ships inside the wheel), so it runs offline; the
test proves that by pointing every proxy at a closed port.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.config import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"
REQUIRED_TRIGGER_PATHS = {"data/**", "chapters/**", "analysis/**", "**.qmd", "_quarto.yml"}
DEAD_PROXY = "http://127.0.0.1:9"


def check_workflow(path: Path) -> subprocess.CompletedProcess:
    """Validate ``path`` with check-jsonschema's built-in GitHub-workflow schema, with no network."""
    env = {**os.environ, **{name: DEAD_PROXY for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}}
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True, text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # PyYAML follows YAML 1.1, where a bare `on` key is the boolean True.
    return workflow.get("on", workflow.get(True))


def all_steps(workflow: dict) -> list[dict]:
    """Every step in the order the run executes them: jobs follow their `needs`."""
    jobs = workflow["jobs"]
    ordered: list[str] = []

    def visit(name: str) -> None:
        needs = jobs[name].get("needs", [])
        for dependency in [needs] if isinstance(needs, str) else needs:
            visit(dependency)
        if name not in ordered:
            ordered.append(name)

    for name in jobs:
        visit(name)
    return [step for name in ordered for step in jobs[name]["steps"]]


def test_workflow_passes_githubs_schema():
    completed = check_workflow(WORKFLOW)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "ok -- validation done" in completed.stdout


@pytest.mark.parametrize("original, broken, expected_error", [
    ("    runs-on: ubuntu-latest\n    timeout-minutes: 60\n", "    timeout-minutes: 60\n",
     "'runs-on' is a required property"),
    ("        run: python -m pytest -q\n", "        runs: python -m pytest -q\n",
     "'uses' is a required property"),
    ("  workflow_dispatch:\n", "  workflow_dispach:\n", "workflow_dispach"),
])
def test_schema_check_rejects_a_broken_workflow(tmp_path, original, broken, expected_error):
    text = WORKFLOW.read_text(encoding="utf-8")
    assert text.count(original) == 1, f"the workflow no longer contains {original!r}; update this test"
    copy = tmp_path / "report.yml"
    copy.write_text(text.replace(original, broken), encoding="utf-8")
    completed = check_workflow(copy)
    assert completed.returncode != 0
    assert expected_error in completed.stdout + completed.stderr


def test_triggers(workflow):
    on = triggers(workflow)
    assert REQUIRED_TRIGGER_PATHS <= set(on["push"]["paths"])
    assert on["schedule"] and all("cron" in entry for entry in on["schedule"])
    assert "workflow_dispatch" in on


def _index(steps: list[dict], description: str, matches) -> int:
    found = [i for i, step in enumerate(steps) if matches(step)]
    assert found, f"no step {description}"
    return found[0]


def _uses(step: dict, action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def test_steps_run_in_the_order_the_issue_asks(workflow):
    steps = all_steps(workflow)
    order = [
        ("sets up Python with pip caching",
         lambda s: _uses(s, "actions/setup-python") and s.get("with", {}).get("cache") == "pip"),
        ("installs requirements.txt", lambda s: "pip install -r requirements.txt" in s.get("run", "")),
        ("runs the tests", lambda s: "pytest" in s.get("run", "")),
        ("sets up Quarto", lambda s: _uses(s, "quarto-dev/quarto-actions/setup")),
        ("renders with Quarto", lambda s: "quarto render" in s.get("run", "")),
        ("uploads the artifacts", lambda s: _uses(s, "actions/upload-artifact")),
        ("uploads the Pages artifact", lambda s: _uses(s, "actions/upload-pages-artifact")),
        ("deploys to Pages", lambda s: _uses(s, "actions/deploy-pages")),
    ]
    positions = [_index(steps, description, matches) for description, matches in order]
    assert positions == sorted(positions), dict(zip((d for d, _ in order), positions))
    uploaded = [s["with"]["path"] for s in steps if _uses(s, "actions/upload-artifact")]
    assert "_site/" in uploaded and any(path.endswith(".pdf") for path in uploaded)


def test_pages_deploy_is_permitted_and_never_from_a_pull_request(workflow):
    deploy = next(job for job in workflow["jobs"].values()
                  if any(_uses(step, "actions/deploy-pages") for step in job["steps"]))
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "if" in deploy and "needs" in deploy
    decide = next(step for step in all_steps(workflow) if step.get("id") == "publish")
    assert "github.event_name != 'pull_request'" in decide["run"]
    assert "default_branch" in decide["run"]


def test_quarto_is_pinned_and_runs_on_the_installed_python(workflow):
    steps = all_steps(workflow)
    setup = [s for s in steps if _uses(s, "quarto-dev/quarto-actions/setup")]
    assert len(setup) == 1
    # A string compare: an unquoted 1.10 would be read as the float 1.1 and pin the wrong version.
    assert str(setup[0].get("with", {}).get("version")) == "1.10.18"
    python = next(s for s in steps if _uses(s, "actions/setup-python"))
    render = next(s for s in steps if "quarto render" in s.get("run", ""))
    assert python.get("id"), "setup-python needs an id so QUARTO_PYTHON can name its interpreter"
    assert render.get("env", {}).get("QUARTO_PYTHON") == f"${{{{ steps.{python['id']}.outputs.python-path }}}}"


def test_site_javascript_is_installed_from_the_lock_file_before_the_tests(workflow):
    steps = all_steps(workflow)
    install = _index(steps, "runs npm ci for renderer/js",
                     lambda s: "npm ci" in s.get("run", "") and "renderer/js" in s.get("run", ""))
    tests = _index(steps, "runs the tests", lambda s: "pytest" in s.get("run", ""))
    assert install < tests
