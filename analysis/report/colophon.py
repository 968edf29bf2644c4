"""Where a build's numbers came from, in words: the colophon, the data line, the contract as text.

Every output names its data snapshot (file, rows, hash, date), the code version
and the build date, as rrtools' papers do; the Data and Methods chapters state
the contract the file passed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ..data import CONTRACT_RULES, DATA_DICTIONARY
from ..io.escape_markdown import MarkdownText, markdown_code, markdown_text
from ..io.escape_typst import typst_markup
from ..io.provenance import git_commit, package_versions
from ..model.results import ModelResults
from .formatting import integer
from .warehouse_notes import is_warehouse


@dataclass(frozen=True)
class Colophon:
    data_file: str
    data_sha256: str
    rows: int
    data_modified: str
    built: str
    git_commit: str
    code_version: str
    packages: dict[str, str]


def source_name(r: ModelResults) -> str:
    """The data's name on a page: the file name, or a warehouse table's URL without credentials."""
    return r.source_url if is_warehouse(r) else r.data.path.name


def colophon(r: ModelResults) -> Colophon:
    return Colophon(
        data_file=source_name(r),
        data_sha256=r.data.sha256,
        rows=r.data.n_rows,
        data_modified=r.data.modified_utc,
        built=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        git_commit=git_commit(),
        code_version=r.code_version,
        packages=package_versions(),
    )


def colophon_markdown(r: ModelResults) -> str:
    """One provenance paragraph for every output: data snapshot, code version, date.

    The file name comes from the file system and may hold anything (backticks,
    HTML, Typst raw attributes): every value is escaped for markdown, so it
    prints literally on the page and in the PDF.
    """
    c = colophon(r)
    packages = markdown_text(", ".join(f"{name} {version}" for name, version in c.packages.items()))
    dated = "read from the engine" if is_warehouse(r) else "file dated"
    return (f"**Provenance.** Data {markdown_code(c.data_file)} ({c.rows:,} customers; SHA-256 "
            f"{markdown_code(c.data_sha256[:16] + '…')}; {dated} {markdown_text(c.data_modified)}). "
            f"Built {markdown_text(c.built)} from commit {markdown_code(c.git_commit)} "
            f"(analysis code {markdown_code(c.code_version)}) with {packages}.")


def data_source_sentence(r: ModelResults) -> MarkdownText:
    """The Data chapter's inline sentence naming the file (markdown, so the name prints literally)."""
    d = r.data
    if is_warehouse(r):
        return MarkdownText(f"This build analyses the warehouse table {markdown_code(r.source_url)}: "
                            f"{integer(d.n_rows)} customers, read {markdown_text(d.modified_utc)}; the model is "
                            f"fitted inside the engine, so the rows never left it.")
    return MarkdownText(f"This build analyses {markdown_code(d.path.name)}: {integer(d.n_rows)} customers, "
                        f"file dated {markdown_text(d.modified_utc)}, read as {d.encoding.upper()}.")


def validation_summary_markdown(r: ModelResults) -> str:
    """What was checked before fitting. A failing file never reaches this page: the build stops."""
    counts = ", ".join(f"{markdown_text(level)} {integer(count)}" for level, count in r.segment_counts.items())
    rules = "\n".join(f"- {markdown_text(rule)}" for rule in CONTRACT_RULES)
    return (f"The file passed every rule of the data contract before the model was fitted "
            f"({integer(r.data.n_rows)} customers; {counts}). A file that breaks any rule stops the "
            f"build with a message naming the column and rows, and the last good report stays "
            f"published. The rules:\n\n{rules}\n")


def data_dictionary_markdown() -> str:
    rows = "\n".join(f"| `{column}` | {kind} | {meaning} |" for column, (kind, meaning) in DATA_DICTIONARY.items())
    return "| column | type | meaning |\n|---|---|---|\n" + rows + "\n"


def data_line(r: ModelResults) -> MarkdownText:
    """The executive brief's dateline: which data, how many customers, as of when (markdown)."""
    return MarkdownText(
        f"Data: {markdown_text(source_name(r))}, {integer(r.data.n_rows)} customers, as of "
        f"{markdown_text(r.data.modified_utc)}. Model fitted {datetime.now(timezone.utc).strftime('%Y-%m-%d')}.")


def typst_provenance_footer(r: ModelResults) -> str:
    """A raw Typst block that floats the provenance line to the foot of the brief's last page.

    ``place(float: true)`` rather than ``set page(footer: ...)``: a page set rule in the
    body would start a new page. Printed from an ``output: asis`` chunk, it is a Pandoc
    raw block, so Quarto's typst format and the builtin renderer treat it the same way.
    Being raw Typst, its text is escaped for Typst markup (the file name may hold ``#``,
    ``[``, backticks), and line breaks are gone so the block cannot be closed early.
    """
    c = colophon(r)
    line = typst_markup(f"Provenance: data {c.data_file}, {c.rows:,} customers, SHA-256 {c.data_sha256[:16]}, "
                        f"as of {c.data_modified}. Built {c.built} from commit {c.git_commit} "
                        f"(analysis code {c.code_version}).")
    return ("```{=typst}\n"
            "#place(bottom, float: true, clearance: 1.2em, block(width: 100%, stroke: (top: 0.4pt + luma(150)), "
            f"inset: (top: 0.6em), text(size: 7.5pt, fill: luma(90))[{line}]))\n"
            "```\n")
