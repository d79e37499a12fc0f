"""The pages' stylesheet says each layout once: the card layout is one macro taken by both wide tables."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from audit.reporting.report import environment

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def css_sources() -> list[str]:
    """The shared stylesheet and each page's own style element, with the Jinja tags taken out."""
    pages = [re.search(r"<style>(.*?)</style>", (TEMPLATES / name).read_text(encoding="utf-8"), re.S).group(1)
             for name in ("report.html.j2", "compare.html.j2")]
    return [re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "", text, flags=re.S)
            for text in [(TEMPLATES / "_style.css.j2").read_text(encoding="utf-8"), *pages]]


def test_no_two_rule_sets_declare_the_same():
    """A look of two or more declarations (a card, a badge's colours) is one rule set with every selector it serves."""
    blocks = Counter(" ".join(body.split()) for text in css_sources() for body in re.findall(r"\{([^{}]*)\}", text))
    assert [body for body, n in blocks.items() if n > 1 and body.count(";") > 1] == []


def test_the_card_layout_is_written_once_and_taken_by_both_wide_tables():
    assert sum(text.count("content: attr(data-label)") for text in css_sources()) == 1
    css = " ".join(environment().get_template("_style.css.j2").render(matrix_cards_below=1328).split())
    phone = css[css.index("@media screen and (max-width: 760px)"):]
    narrow = css[css.index("@media print, (max-width: 1328px)"):]
    assert phone.index("table.cards td::before") < phone.index("}", phone.index("table.cards td::before"))
    assert "table.cards" not in narrow and "table.matrix td::before, table.matrix tbody th::before" in narrow
