"""Finding 7 and the 100k-character ID of finding 9: data-derived labels are drawn literally and kept short."""
from __future__ import annotations

import io

import matplotlib
import pytest
from PIL import Image

from analysis.data import load_customers
from analysis.data.simulate import simulate_customers
from analysis.io.escape_figure_text import MAX_LABEL_CHARACTERS, figure_text
from analysis.model import fit_model
from analysis.report import figures

matplotlib.use("Agg")

MATH_IDS = ("$\\foo$", "$ x $", "$\\frac{1}{0}$", "a$b$c")
LONG_ID = "L" * 100_000


@pytest.fixture(scope="module")
def mathtext_results(tmp_path_factory):
    """Every customer's ID is mathtext or enormous, so whichever customers the figures label, they are these."""
    frame = simulate_customers(400, seed=11)
    frame["CustomerID"] = [f"{MATH_IDS[i % len(MATH_IDS)]}{i}" if i % 5 else f"{LONG_ID}{i}"
                           for i in range(len(frame))]
    path = tmp_path_factory.mktemp("mathtext") / "customers.csv"
    frame.to_csv(path, index=False)
    return fit_model(load_customers(path))


def _drawn_texts(figure) -> list[str]:
    return [text.get_text() for text in figure.findobj(matplotlib.text.Text) if text.get_text()]


@pytest.mark.parametrize("name", ["diagnostics", "distributions", "segment_effects"])
def test_figures_with_mathtext_and_huge_ids_draw_at_a_normal_size(mathtext_results, name):
    figure = figures.FIGURES[name][0](mathtext_results)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")  # raises on bad mathtext
    width, height = Image.open(io.BytesIO(buffer.getvalue())).size
    assert width < 3000 and height < 3000, (width, height)
    for text in _drawn_texts(figure):
        assert len(text) <= 200, text[:80]


def test_customer_id_labels_are_escaped_and_truncated(mathtext_results):
    figure = figures.FIGURES["diagnostics"][0](mathtext_results)
    labels = [t for t in _drawn_texts(figure) if "L" * 10 in t or any(m[:2] in t for m in ("$\\", "$ ", "a$"))]
    assert labels, "the diagnostics figure should label its most extreme customers"
    for label in labels:
        assert len(label) <= MAX_LABEL_CHARACTERS
        unescaped = label.replace("\\$", "")
        assert "$" not in unescaped, label  # every dollar escaped: mathtext never starts
    assert any(label.endswith("…") for label in labels) or not any("L" * 10 in t for t in labels)


def test_figure_text_is_literal_for_matplotlib():
    from matplotlib.figure import Figure

    figure = Figure()
    figure.text(0, 0, figure_text("$\\foo$"))
    figure.savefig(io.BytesIO(), format="png")  # '$\foo$' unescaped raises a ValueError here
    assert figure_text("x" * 100_000).endswith("…")
    assert len(figure_text("x" * 100_000)) == MAX_LABEL_CHARACTERS
