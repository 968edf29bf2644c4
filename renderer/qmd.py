"""Split a ``.qmd`` file into front matter, markdown and executable Python chunks.

Only the syntax Quarto documents is recognised: YAML front matter between ``---``
lines, chunks fenced as ```` ```{python} ```` with ``#| key: value`` option lines,
and inline expressions written `` `{python} expr` ``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import ConfigError

_CHUNK_OPEN = re.compile(r"^(?P<fence>`{3,})\s*\{(?P<engine>[A-Za-z0-9_]+)(?P<rest>[^}]*)\}\s*$")
_ANY_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})")
_OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
INLINE_EXPRESSION = re.compile(r"`\{python\}\s+(?P<expr>[^`]+?)\s*`")


@dataclass(frozen=True)
class Chunk:
    """One executable code chunk.

    ``line`` is the 1-based line of the opening fence in the source file, so
    errors can point at it even when the chunk has no label.
    """

    code: str
    options: dict
    line: int

    @property
    def label(self) -> str | None:
        label = self.options.get("label")
        return str(label) if label is not None else None

    def describe(self) -> str:
        """How progress and error messages name this chunk."""
        return self.label or f"at line {self.line}"


@dataclass(frozen=True)
class Markdown:
    """A run of markdown between chunks; ``line`` is where it starts."""

    text: str
    line: int

    def inline_expressions(self) -> list[str]:
        return [m.group("expr") for m in INLINE_EXPRESSION.finditer(_outside_code_fences(self.text))]


@dataclass(frozen=True)
class Document:
    """A parsed ``.qmd``: its front matter and body parts in source order."""

    path: Path
    front_matter: dict
    parts: list = field(default_factory=list)

    @property
    def title(self) -> str | None:
        title = self.front_matter.get("title")
        return str(title) if title is not None else None

    @property
    def chunks(self) -> list[Chunk]:
        return [part for part in self.parts if isinstance(part, Chunk)]


def _outside_code_fences(text: str) -> str:
    """The text with fenced code blocks blanked, so `{python}` shown in code is not run."""
    kept, fence = [], None
    for line in text.splitlines(keepends=True):
        match = _ANY_FENCE.match(line)
        if fence is None and match:
            fence = match.group("fence")
            kept.append("\n")
        elif fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            kept.append("\n")
        else:
            kept.append(line)
    return "".join(kept)


def _split_front_matter(text: str, path: Path) -> tuple[dict, list[str], int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, lines, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            try:
                meta = yaml.safe_load("".join(lines[1:end])) or {}
            except yaml.YAMLError as error:
                raise ConfigError(f"{path}: front matter is not valid YAML: {error}") from error
            if not isinstance(meta, dict):
                raise ConfigError(f"{path}: front matter must be a YAML mapping")
            return meta, lines[end + 1:], end + 2
    raise ConfigError(f"{path}: front matter starts with '---' on line 1 but never ends")


def _parse_options(option_lines: list[str], path: Path, line: int) -> dict:
    try:
        options = yaml.safe_load("".join(option_lines)) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}:{line}: chunk options (#| lines) are not valid YAML: {error}") from error
    if not isinstance(options, dict):
        raise ConfigError(f"{path}:{line}: chunk options must be 'key: value' lines")
    return options


def parse_qmd(path: Path, text: str | None = None) -> Document:
    """Parse a ``.qmd`` file.

    Parameters
    ----------
    path : Path
        The file; read unless ``text`` is given.
    text : str, optional
        The source, for callers that already read it.

    Returns
    -------
    Document

    Raises
    ------
    ConfigError
        Invalid YAML, an unclosed chunk, or a chunk in a language other than Python.
    """
    path = Path(path)
    if text is None:
        text = path.read_text(encoding="utf-8")
    front_matter, lines, first_line = _split_front_matter(text, path)
    parts: list = []
    markdown: list[str] = []
    markdown_start = first_line
    other_fence = None
    i = 0
    while i < len(lines):
        line = lines[i]
        line_no = first_line + i
        if other_fence is not None:
            # Inside a non-executable fenced block: copy verbatim until it closes.
            markdown.append(line)
            stripped = line.strip()
            if stripped.startswith(other_fence) and set(stripped) == {other_fence[0]}:
                other_fence = None
            i += 1
            continue
        opening = _CHUNK_OPEN.match(line)
        if opening is None:
            plain = _ANY_FENCE.match(line)
            if plain:
                other_fence = plain.group("fence")
            markdown.append(line)
            i += 1
            continue
        engine = opening.group("engine")
        if engine not in ("python", "python3"):
            raise ConfigError(
                f"{path}:{line_no}: only Python chunks are supported by the builtin renderer, "
                f"found {{{engine}}}")
        fence = opening.group("fence")
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence) and set(lines[j].strip()) == {"`"}):
            body.append(lines[j])
            j += 1
        if j == len(lines):
            raise ConfigError(f"{path}:{line_no}: code chunk opened here is never closed with {fence}")
        option_lines = []
        while body and _OPTION_LINE.match(body[0]):
            option_lines.append(_OPTION_LINE.match(body[0]).group(1) + "\n")
            body.pop(0)
        if markdown:
            parts.append(Markdown("".join(markdown), markdown_start))
            markdown = []
        code = "".join(body).rstrip("\n")
        parts.append(Chunk(code=code, options=_parse_options(option_lines, path, line_no), line=line_no))
        i = j + 1
        markdown_start = first_line + i
    if markdown:
        parts.append(Markdown("".join(markdown), markdown_start))
    return Document(path=path, front_matter=front_matter, parts=parts)


def replace_inline_expressions(text: str, values: list[str]) -> str:
    """Substitute computed values for the inline expressions, in order."""
    remaining = iter(values)
    pieces, fence, out = text.splitlines(keepends=True), None, []
    for line in pieces:
        match = _ANY_FENCE.match(line)
        if fence is None and match:
            fence = match.group("fence")
            out.append(line)
        elif fence is not None:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = None
            out.append(line)
        else:
            out.append(INLINE_EXPRESSION.sub(lambda _m: next(remaining), line))
    return "".join(out)
