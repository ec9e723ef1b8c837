"""What the lesson says about speed follows the measured cost table, and no ranking is typed into its prose."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from importlib import resources

from actlab.experiments import gelu_approx

# Comparative or absolute cost claims ("cheap", "cheaper", "the costliest") belong to a measurement.
COST_WORDS = re.compile(r"\b(cheap|cheaper|cheapest|costly|costlier|costliest|faster|fastest|slower|slowest|"
                        r"costs? more|more expensive)\b", re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def _page_text(name: str) -> str:
    parser = _Text()
    parser.feed((resources.files("actlab") / "web" / "static" / name).read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def test_the_lesson_ranks_nothing_by_cost_in_its_own_words():
    text = _page_text("lesson.html")
    assert not COST_WORDS.search(text), COST_WORDS.search(text)
    assert "measured by the project's benchmark" in text


def test_the_order_the_page_prints_is_the_measured_one():
    result = gelu_approx(points=11, timing=True)
    costs = result.ns_per_element
    assert sorted(result.cost_order) == sorted(costs)
    assert [costs[k] for k in result.cost_order] == sorted(costs.values())
    assert result.to_dict()["cost_order"] == result.cost_order
