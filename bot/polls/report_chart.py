"""A poll's results as a PNG chart (the coordinator's 📈)."""

from __future__ import annotations

import html
import io

from bot.core.i18n import Texts, shorten
from bot.polls.report import Results


def chart_png(results: Results, t: Texts) -> bytes:
    """Horizontal bars per choice or scale question (shares of its respondents). CPU-bound: run
    it in a thread from async code; matplotlib is imported here so start-up stays fast."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.feedback.report import _drawable

    charted = [r for r in results.questions if r.question.kind != "text"]
    rows = max(len(charted), 1)
    figure = Figure(figsize=(7.0, 1.2 + 2.3 * rows), dpi=100)
    FigureCanvasAgg(figure)
    if not charted:
        axes = figure.add_subplot()
        axes.axis("off")
        axes.text(0.5, 0.5, _drawable(html.unescape(t._("No choice questions."))), ha="center")
    for number, result in enumerate(charted, start=1):
        axes = figure.add_subplot(rows, 1, number)
        labels = [_drawable(shorten(o.label, 40)) or "?" for o in result.options]
        shares = [100 * o.share for o in result.options]
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, shares, color="#2a7ab0", height=0.6)
        axes.bar_label(
            bars,
            labels=[
                f"{t.number(round(s))} % ({t.number(o.count)})"
                for s, o in zip(shares, result.options, strict=True)
            ],
            padding=2,
        )
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, 115)
        axes.spines[["top", "right"]].set_visible(False)
        title = t.n_(
            "{question} — {n} answer",
            "{question} — {n} answers",
            result.respondents,
            question=shorten(result.question.text, 70),
        )
        axes.set_title(_drawable(html.unescape(title)), parse_math=False, fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
