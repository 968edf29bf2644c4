"""Code run in each document's kernel before its first chunk, as Quarto's ``setup.py`` is.

Kept as kernel-side source (a raw string, so its regular expression needs no
double escaping) with two helpers the renderer calls:

``_qr_figure(width, height, dpi, fig_format)``
    What Quarto's ``src/resources/jupyter/lang/python/setup.py`` does for
    matplotlib: figure size in inches, ``figure.dpi``, ``savefig.dpi =
    "figure"``, and the inline format. ``retina`` (Quarto's HTML default) is a
    PNG at twice the dpi, displayed at its 1x size.
``_qr_inline(expressions, sentinel)``
    Inline values as Quarto's Jupyter engine inserts them (``jupyter-inline.ts``):
    a value with a markdown display goes in as markdown; otherwise its
    text/plain display (the repr) goes in, and a quoted repr (a ``str``) loses
    its quotes and has markdown punctuation backslash-escaped, so a string
    shows literally, backticks included.
"""
from __future__ import annotations

# The formats matplotlib_inline can produce, which are also Quarto's fig-format values.
FIG_FORMATS = ("retina", "png", "jpeg", "svg", "pdf")

KERNEL_SETUP = r'''
%matplotlib inline
import warnings as _qr_warnings


def _qr_figure(width, height, dpi, fig_format):
    try:
        import matplotlib.pyplot as plt
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    plt.rcParams["figure.figsize"] = (width, height)
    plt.rcParams["figure.dpi"] = dpi
    plt.rcParams["savefig.dpi"] = "figure"
    set_matplotlib_formats(fig_format)


def _qr_plain_as_markdown(text):
    import re
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].replace("\\", "\\\\")
        # The characters Quarto escapes: \ ` * _ { } [ ] ( ) > # + , - . !
        return re.sub(r"([\\`*_{}\[\]()>#+,\-.!])", r"\\\1", text)
    return text


def _qr_inline(expressions, sentinel):
    import json
    ip = get_ipython()
    values = []
    for expression in expressions:
        data, _metadata = ip.display_formatter.format(eval(expression, ip.user_ns))
        if "text/markdown" in data:
            values.append(data["text/markdown"])
        else:
            values.append(_qr_plain_as_markdown(data.get("text/plain", "")))
    print(sentinel + json.dumps(values))
'''


def figure_call(options: dict) -> str:
    """The kernel call that applies ``fig-width``, ``fig-height``, ``fig-dpi`` and ``fig-format``."""
    return (f"_qr_figure({float(options['fig-width'])!r}, {float(options['fig-height'])!r}, "
            f"{int(options['fig-dpi'])!r}, {str(options['fig-format'])!r})")


def figure_settings(options: dict) -> tuple:
    return tuple(options[key] for key in ("fig-width", "fig-height", "fig-dpi", "fig-format"))
