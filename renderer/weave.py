"""Turn a document plus its execution results into Pandoc markdown for one format.

The markdown mirrors what Quarto hands to Pandoc: each chunk becomes a
``.cell`` div holding the echoed code and its outputs; labelled figures and
tables become ``#fig-``/``#tbl-`` divs whose last paragraph is the caption,
which :mod:`renderer.crossref` later numbers.
"""
from __future__ import annotations

import base64
import html as html_escape
import re
from dataclasses import dataclass, field
from pathlib import Path

from .execute import ExecutedDocument, strip_ansi
from .qmd import Chunk, Document, Markdown, replace_inline_expressions

# Display priority per format, most preferred first (Quarto's order for each).
_HTML_MIMES = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain")
_TYPST_MIMES = ("text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/html", "text/plain")
_IMAGE_EXT = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}
_HTML_TABLE = re.compile(r"<table\b", re.IGNORECASE)
# Characters that start markup inside an image description ($ math, * emphasis, [ links,
# < HTML, ...); quotes and dashes stay unescaped so smart punctuation reads as before.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_{}\[\]<>#+!|$~^@&]")


@dataclass
class Woven:
    """Markdown for Pandoc, and HTML tables to splice in as Pandoc tables (Typst only)."""

    markdown: str
    html_tables: dict = field(default_factory=dict)


def _fence(text: str, classes: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks} {{{classes}}}\n{text.rstrip()}\n{ticks}\n"


def _attr_escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"')


def _display_size(output: dict, mime: str) -> str:
    """``{width=.. height=..}`` from the output's metadata: a retina PNG is shown at half its
    pixel size, as Quarto does (it reads the same size from the PNG's dpi)."""
    size = (output.get("metadata") or {}).get(mime) or {}
    parts = [f'{key}="{int(size[key])}"' for key in ("width", "height") if size.get(key)]
    return "{" + " ".join(parts) + "}" if parts else ""


class _Weaver:
    def __init__(self, target: str, figure_dir: Path, figure_prefix: str, stem: str):
        self.target = target
        self.figure_dir = figure_dir
        self.figure_prefix = figure_prefix
        self.stem = stem
        self.html_tables: dict = {}

    def _write_image(self, mime: str, data, name: str) -> str:
        self.figure_dir.mkdir(parents=True, exist_ok=True)
        filename = f"{name}.{_IMAGE_EXT[mime]}"
        path = self.figure_dir / filename
        if mime == "image/svg+xml":
            path.write_text(data if isinstance(data, str) else "".join(data), encoding="utf-8")
        else:
            path.write_bytes(base64.b64decode(data if isinstance(data, str) else "".join(data)))
        return f"{self.figure_prefix}/{filename}"

    def _display(self, output: dict, options: dict, name: str) -> tuple[str, str]:
        """Markdown for one display output, and what kind of thing it is."""
        data = output.get("data", {})
        mimes = _HTML_MIMES if self.target == "html" else _TYPST_MIMES
        # An image that carries its own alt text (Jupyter's per-image metadata) is shown as
        # that image: its markdown twin exists for Quarto, which ignores image metadata.
        described = {mime: str(((output.get("metadata") or {}).get(mime) or {}).get("alt") or "")
                     for mime in _IMAGE_EXT if mime in data}
        if any(described.values()):
            mimes = tuple(mime for mime in described if described[mime])
        for mime in mimes:
            if mime not in data:
                continue
            value = data[mime]
            value = value if isinstance(value, str) else "".join(value)
            if mime in _IMAGE_EXT:
                src = self._write_image(mime, value, name)
                alt = str(described.get(mime) or options.get("fig-alt") or "")
                alt = _MARKDOWN_SPECIAL.sub(r"\\\g<0>", " ".join(alt.split()))
                attr = '{width="100%"}' if self.target == "typst" else _display_size(output, mime)
                # The escaped space keeps Pandoc from making its own figure: captions
                # and numbers are added by renderer.crossref, as Quarto's filters do.
                return f"![{alt}]({src}){attr}\\ \n", "image"
            if mime == "text/html":
                if self.target == "html":
                    return f"```{{=html}}\n{value}\n```\n", "table" if _HTML_TABLE.search(value) else "html"
                if not _HTML_TABLE.search(value):
                    continue  # Typst cannot show arbitrary HTML; fall back to the next type.
                key = f"qr-html-table-{len(self.html_tables)}"
                self.html_tables[key] = value
                return f"::: {{#{key} .qr-html-table}}\n:::\n", "table"
            if mime == "text/markdown":
                return value + "\n", "markdown"
            return _fence(strip_ansi(value), ".cell-output .cell-output-display"), "text"
        return "", "none"

    def chunk(self, chunk: Chunk, options: dict, outputs: list, number: int) -> str:
        if not options["include"]:
            return ""
        label = chunk.label or ""
        pieces: list[str] = []
        if options["echo"]:
            code = _fence(chunk.code, ".python .cell-code")
            if options["code-fold"] and self.target == "html":
                is_open = " open" if options["code-fold"] == "show" else ""
                summary = html_escape.escape(str(options["code-summary"]))
                code = (f"```{{=html}}\n<details class=\"code-fold\"{is_open}><summary>{summary}</summary>\n```\n\n"
                        f"{code}\n```{{=html}}\n</details>\n```\n")
            pieces.append(code)
        if options["output"] == "asis":
            for output in outputs:
                if output.get("output_type") == "stream" and output.get("name") == "stdout":
                    pieces.append(output.get("text", "") + "\n")
                elif output.get("output_type") in ("display_data", "execute_result"):
                    data = output.get("data", {})
                    raw = data.get("text/markdown") or data.get("text/plain") or ""
                    if self.target == "html" and "text/html" in data and "text/markdown" not in data:
                        raw = "```{=html}\n" + "".join(data["text/html"]) + "\n```"
                    pieces.append((raw if isinstance(raw, str) else "".join(raw)) + "\n")
            return "\n".join(pieces) + "\n"
        if options["output"]:
            pieces.extend(self._outputs(outputs, options, label, number))
        if not pieces:
            return ""
        cell_id = f"#{label} " if label and not label.startswith(("fig-", "tbl-")) else ""
        return f"::: {{{cell_id}.cell}}\n" + "\n".join(pieces) + "\n:::\n"

    def _outputs(self, outputs: list, options: dict, label: str, number: int) -> list[str]:
        pieces = []
        figure_done = table_done = False
        for index, output in enumerate(outputs):
            kind = output.get("output_type")
            if kind == "stream":
                stream = output.get("name", "stdout")
                pieces.append(f"::: {{.cell-output .cell-output-{stream}}}\n"
                              + _fence(strip_ansi(output.get("text", "")), "") + ":::\n")
            elif kind == "error":
                trace = strip_ansi("\n".join(output.get("traceback", [])))
                pieces.append("::: {.cell-output .cell-output-error}\n" + _fence(trace, "") + ":::\n")
            elif kind in ("display_data", "execute_result"):
                name = (label or f"{self.stem}-cell-{number}") + f"-output-{index + 1}"
                wants_figure = label.startswith("fig-") and not figure_done
                text, what = self._display(output, options, name)
                if not text:
                    continue
                if what == "image" and wants_figure:
                    figure_done = True
                    caption = options.get("fig-cap") or ""
                    text = f"::: {{#{label}}}\n{text}\n{caption}\n:::\n"
                elif what == "image" and options.get("fig-cap") and not figure_done:
                    figure_done = True  # captioned but unlabelled: a figure without a number
                    text = f"::: {{.qr-figure}}\n{text}\n{options['fig-cap']}\n:::\n"
                elif what in ("table", "markdown") and label.startswith("tbl-") and not table_done:
                    table_done = True
                    caption = options.get("tbl-cap") or ""
                    text = f"::: {{#{label}}}\n{text}\n{caption}\n:::\n"
                pieces.append("::: {.cell-output-display}\n" + text + "\n:::\n")
        return pieces


def weave(document: Document, executed: ExecutedDocument, options: list[dict], target: str,
          figure_dir: Path, figure_prefix: str) -> Woven:
    """Pandoc markdown for ``document`` in ``target`` (``"html"`` or ``"typst"``).

    Parameters
    ----------
    figure_dir : Path
        Where image outputs are written.
    figure_prefix : str
        How the markdown refers to ``figure_dir`` (relative to the output page).
    """
    weaver = _Weaver(target, figure_dir, figure_prefix, document.path.stem)
    pieces = []
    chunk_number = markdown_number = 0
    for part in document.parts:
        if isinstance(part, Markdown):
            values = executed.inline[markdown_number] if markdown_number < len(executed.inline) else []
            pieces.append(replace_inline_expressions(part.text, values) if values else part.text)
            markdown_number += 1
        else:
            pieces.append("\n" + weaver.chunk(part, options[chunk_number], executed.outputs[chunk_number],
                                              chunk_number + 1) + "\n")
            chunk_number += 1
    return Woven(markdown="".join(pieces), html_tables=weaver.html_tables)
