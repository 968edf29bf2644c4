"""Where a build's numbers came from, in words: the colophon, the data line, the contract as text.

Every output names its data snapshot (file, rows, hash, date), the code version
and the build date, as rrtools' papers do; the Data and Methods chapters state
the contract the file passed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from ..data import CONTRACT_RULES, DATA_DICTIONARY
from ..io.provenance import git_commit, package_versions
from ..model.results import ModelResults
from .formatting import integer


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


def colophon(r: ModelResults) -> Colophon:
    return Colophon(
        data_file=r.data.path.name,
        data_sha256=r.data.sha256,
        rows=r.data.n_rows,
        data_modified=r.data.modified_utc,
        built=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        git_commit=git_commit(),
        code_version=r.code_version,
        packages=package_versions(),
    )


def colophon_markdown(r: ModelResults) -> str:
    """One provenance paragraph for every output: data snapshot, code version, date."""
    c = colophon(r)
    packages = ", ".join(f"{name} {version}" for name, version in c.packages.items())
    return (f"**Provenance.** Data `{c.data_file}` ({c.rows:,} customers; SHA-256 `{c.data_sha256[:16]}…`; "
            f"file dated {c.data_modified}). Built {c.built} from commit `{c.git_commit}` "
            f"(analysis code `{c.code_version}`) with {packages}.")


def data_source_sentence(r: ModelResults) -> str:
    d = r.data
    # Plain text: an inline value is inserted as text (Quarto escapes its markdown), so a
    # code span's backticks would show literally.
    return (f"This build analyses {d.path.name}: {integer(d.n_rows)} customers, file dated "
            f"{d.modified_utc}, read as {d.encoding.upper()}.")


def validation_summary_markdown(r: ModelResults) -> str:
    """What was checked before fitting. A failing file never reaches this page: the build stops."""
    counts = ", ".join(f"{level} {integer(count)}" for level, count in r.segment_counts.items())
    rules = "\n".join(f"- {rule}" for rule in CONTRACT_RULES)
    return (f"The file passed every rule of the data contract before the model was fitted "
            f"({integer(r.data.n_rows)} customers; {counts}). A file that breaks any rule stops the "
            f"build with a message naming the column and rows, and the last good report stays "
            f"published. The rules:\n\n{rules}\n")


def data_dictionary_markdown() -> str:
    rows = "\n".join(f"| `{column}` | {kind} | {meaning} |" for column, (kind, meaning) in DATA_DICTIONARY.items())
    return "| column | type | meaning |\n|---|---|---|\n" + rows + "\n"


def data_line(r: ModelResults) -> str:
    """The executive brief's dateline: which data, how many customers, as of when."""
    return (f"Data: {r.data.path.name}, {integer(r.data.n_rows)} customers, as of {r.data.modified_utc}. "
            f"Model fitted {datetime.now(timezone.utc).strftime('%Y-%m-%d')}.")


def _typst_text(text: str) -> str:
    """Escape text for Typst markup, where these characters start code, math or markup."""
    for character in "\\#$*_@<>[]`~":
        text = text.replace(character, "\\" + character)
    return text


def typst_provenance_footer(r: ModelResults) -> str:
    """A raw Typst block that floats the provenance line to the foot of the brief's last page.

    ``place(float: true)`` rather than ``set page(footer: ...)``: a page set rule in the
    body would start a new page. Printed from an ``output: asis`` chunk, it is a Pandoc
    raw block, so Quarto's typst format and the builtin renderer treat it the same way.
    """
    c = colophon(r)
    line = _typst_text(f"Provenance: data {c.data_file}, {c.rows:,} customers, SHA-256 {c.data_sha256[:16]}, "
                       f"as of {c.data_modified}. Built {c.built} from commit {c.git_commit} "
                       f"(analysis code {c.code_version}).")
    return ("```{=typst}\n"
            "#place(bottom, float: true, clearance: 1.2em, block(width: 100%, stroke: (top: 0.4pt + luma(150)), "
            f"inset: (top: 0.6em), text(size: 7.5pt, fill: luma(90))[{line}]))\n"
            "```\n")
