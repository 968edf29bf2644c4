"""Run the pinned Pandoc from the ``pypandoc-binary`` wheel (never a system copy)."""
from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from pathlib import Path

from . import conversion_cache
from .errors import RenderError

# Quarto reads markdown with these; `citations` is what turns @fig-x into a Cite we can resolve.
MARKDOWN_FORMAT = "markdown+citations+fenced_divs+bracketed_spans+raw_attribute-implicit_figures"


@lru_cache(maxsize=1)
def pandoc_path() -> str:
    """The wheel's own binary. pypandoc's lookup prefers a pandoc on PATH, and a system
    copy of another version breaks the JSON AST round trip (its API version differs)."""
    try:
        import pypandoc
    except ImportError as error:
        raise RenderError("Pandoc not found: install the pinned 'pypandoc-binary' from requirements.txt") from error
    bundled = Path(pypandoc.__file__).resolve().parent / "files" / "pandoc"
    if bundled.is_file():
        return str(bundled)
    raise RenderError(f"the pinned pypandoc-binary wheel has no pandoc at {bundled}; reinstall requirements.txt")


def run_pandoc(args: list[str], text: str, what: str) -> str:
    """Run Pandoc with ``text`` on stdin and return stdout.

    ``what`` names the input in the error message (e.g. the document path).
    """
    entry = conversion_cache.pandoc_key(pandoc_path(), args, text)
    cached = conversion_cache.load(entry)
    if cached is not None:
        return cached.read_text(encoding="utf-8")
    result = subprocess.run([pandoc_path(), *args], input=text, capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(f"{what}: pandoc {' '.join(args)} failed:\n{result.stderr.strip()}")
    conversion_cache.store_text(entry, result.stdout)
    return result.stdout


def markdown_to_ast(markdown: str, what: str) -> dict:
    return json.loads(run_pandoc(["-f", MARKDOWN_FORMAT, "-t", "json"], markdown, what))


def html_to_blocks(fragments: dict, what: str) -> dict:
    """Parse HTML snippets with Pandoc's HTML reader: ``{key: html}`` to ``{key: [blocks]}``.

    All snippets go through one Pandoc run, each wrapped in a div carrying its key.
    """
    if not fragments:
        return {}
    html = "".join(f'<div id="{key}">{_strip_styles(value)}</div>' for key, value in fragments.items())
    ast = json.loads(run_pandoc(["-f", "html", "-t", "json"], html, what))
    found = {}
    for block in ast["blocks"]:
        if block["t"] == "Div" and block["c"][0][0] in fragments:
            found[block["c"][0][0]] = block["c"][1]
    missing = set(fragments) - set(found)
    if missing:
        raise RenderError(f"{what}: pandoc could not read the HTML table(s) {sorted(missing)}")
    return found


def _strip_styles(html: str) -> str:
    # great_tables embeds a <style> block; the HTML reader would keep it as text.
    import re
    return re.sub(r"<style\b.*?</style>", "", html, flags=re.DOTALL | re.IGNORECASE)
