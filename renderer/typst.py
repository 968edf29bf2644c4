"""Pandoc AST to PDF through Typst (the PyPI ``typst`` package), as Quarto's ``format: typst``."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from . import conversion_cache
from .errors import RenderError
from .pandoc import run_pandoc

# Options of Quarto's typst format that map onto Pandoc's Typst template variables.
_TEMPLATE_OPTIONS = ("papersize", "margin", "fontsize", "mainfont", "columns", "toc", "toc-depth",
                     "page-numbering", "lang", "linestretch", "codefont")
_FRONT_MATTER = ("title", "subtitle", "author", "date", "abstract")

# Captions already carry "Figure 1:" from renderer.crossref (so HTML and PDF agree);
# Typst must not number them again. Pandoc's own tables get book-style rules: a top and
# bottom rule around the table and Pandoc's rule under the header, no cell grid; HTML
# tables (renderer.typst_table) carry their own look and are labelled so these rules skip
# them. A table's caption goes above it, as in Quarto.
_PREAMBLE = """\
#set figure(numbering: none)
#show figure: set block(breakable: true)
#set table(stroke: none, inset: (x: 5pt, y: 3.5pt))
#show table: set text(size: 0.88em)
#show table: it => if it.at("label", default: none) == <qr-styled-table> { it } else {
  block(stroke: (top: 0.8pt + black, bottom: 0.8pt + black), it) }
#show figure: it => if str(it.at("label", default: <none>)).starts-with("tbl-") {
  set figure.caption(position: top); it } else { it }
#show table.cell.where(y: 0): set text(weight: "bold")
#show link: set text(fill: rgb("#1a5fb4"))
"""


def render_pdf(ast: dict, options: dict, front_matter: dict, typ_path: Path, pdf_path: Path,
               root: Path, what: str) -> None:
    """Write ``typ_path`` from the AST and compile it to ``pdf_path``.

    Images the AST refers to must sit at their relative paths next to
    ``typ_path``, inside ``root`` (Typst reads no file outside its root).
    """
    metadata = {k: front_matter[k] for k in _FRONT_MATTER if k in front_matter}
    for key in _TEMPLATE_OPTIONS:
        if key in options:
            metadata[key] = options[key]
    if metadata.get("toc") and "toc-depth" not in metadata:
        metadata["toc-depth"] = 3
    if "page-numbering" not in metadata:
        metadata["page-numbering"] = "1"
    typ_path.parent.mkdir(parents=True, exist_ok=True)
    meta_file = typ_path.with_suffix(".meta.yaml")
    meta_file.write_text(yaml.safe_dump(metadata, allow_unicode=True), encoding="utf-8")
    preamble = typ_path.with_suffix(".preamble.typ")
    preamble.write_text(_PREAMBLE, encoding="utf-8")
    source = run_pandoc(["-f", "json", "-t", "typst", "--standalone", "--wrap=none",
                         f"--metadata-file={meta_file}", f"--include-in-header={preamble}"],
                        json.dumps(ast), what)
    typ_path.write_text(source, encoding="utf-8")
    compile_typst(typ_path, pdf_path, root=root, what=what)


def compile_typst(typ_path: Path, pdf_path: Path, root: Path, what: str) -> None:
    """Compile with the ``typst`` package; a Typst error becomes a RenderError naming the document."""
    import typst

    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    entry = conversion_cache.typst_key(typ_path.read_text(encoding="utf-8"), root)
    cached = conversion_cache.load(entry)
    if cached is not None:
        shutil.copyfile(cached, pdf_path)
        return
    try:
        typst.compile(str(typ_path), output=str(pdf_path), root=str(root))
    except Exception as error:  # typst raises its own TypstError; its message is what matters
        raise RenderError(f"{what}: typst could not compile {typ_path.name}: {error}") from error
    conversion_cache.store_file(entry, pdf_path)
