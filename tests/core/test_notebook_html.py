"""Core records render as tables in a notebook (_repr_html_) and as readable text (str), with every piece of text
escaped: an activation, a reading and its findings, a frame, a verdict, a measured gradient flow and the
demonstrations' results."""

from __future__ import annotations

import dataclasses
import html
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from actlab import activations, experiments
from actlab._html import number
from actlab.exercises import ex2
from actlab.exercises.checker import PartResult, Verdict
from actlab.experiments._result import ResultMixin
from actlab.readings import Finding, Reading, Status
from actlab.session import RunConfig, build_trainer

HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"


class _Checker(HTMLParser):
    """Collects the tags of a fragment, so a test can say no script or img element came through."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> _Checker:
    checker = _Checker()
    checker.feed(fragment)
    checker.close()
    return checker


def assert_escaped(fragment: str) -> None:
    doc = parse(fragment)
    assert "script" not in doc.tags and "img" not in doc.tags
    assert HOSTILE in "".join(doc.text)  # shown as text, whole
    assert html.escape(HOSTILE) in fragment


@pytest.fixture(scope="module")
def frame():
    trainer = build_trainer(RunConfig(n_points=100, layers=(4, 3), activations=("tanh",), seed=3))
    for _ in range(5):
        trainer.step()
    return trainer.frame()


@pytest.fixture(scope="module")
def flow():
    return experiments.measure_flow("sigmoid", depth=4, width=8, seeds=2, n=16)


def test_an_activation_shows_its_properties():
    sigmoid = activations.get("sigmoid")
    doc = parse(sigmoid._repr_html_())
    cells = "".join(doc.text)
    assert "table" in doc.tags and f"sigmoid: {sigmoid.title}" in cells
    assert "deriv_max" in cells and "0.25" in cells and "torch_name" in cells
    assert str(sigmoid) == (f"sigmoid: {sigmoid.title}; output {sigmoid.output_interval}, f′ in "
                            f"{sigmoid.deriv_interval}, max f′ {sigmoid.deriv_max_text}")
    leaky = activations.get("leaky_relu", negative_slope=0.2)
    assert "{'negative_slope': 0.2}" in str(leaky) and "0.2" in leaky._repr_html_()


def test_an_activations_text_is_escaped():
    relu = dataclasses.replace(activations.get("relu"), title=HOSTILE)
    assert_escaped(relu._repr_html_())


def test_a_reading_shows_its_status_words_remedy_and_evidence():
    reading = Reading((Finding(Status.VANISHING, "layer 1 gets 1e-7 of layer 8's gradient", "Use ReLU.",
                               {"ratio": 1.25e-7, "layers": [1, 2]}),
                       Finding(Status.DEAD_LAYER, "layer 3 is dead", "Lower the rate.")))
    text = "".join(parse(reading._repr_html_()).text)
    for expected in ("vanishing", "layer 1 gets 1e-7", "Use ReLU.", "1.25e-07", "[1, 2]", "dead_layer",
                     "layer 3 is dead"):
        assert expected in text
    assert str(reading.findings[1]) == "dead_layer: layer 3 is dead"
    # words that open with their status say it once (W108 walkthrough: 'unwatched: unwatched: the monitor ...')
    assert str(Finding(Status.UNWATCHED, "unwatched: the monitor cannot see it", "")) == \
        "unwatched: the monitor cannot see it"
    assert str(Finding(Status.NOT_LEARNING, "not learning: the loss is at chance", "")) == \
        "not learning: the loss is at chance"
    assert "Finding" in reading.findings[0]._repr_html_()


def test_a_readings_text_is_escaped():
    reading = Reading((Finding(Status.HEALTHY, HOSTILE, HOSTILE, {"note": HOSTILE}),))
    assert_escaped(reading._repr_html_())
    assert_escaped(reading.findings[0]._repr_html_())


def test_a_frame_shows_losses_and_a_row_per_layer(frame):
    fragment = frame._repr_html_()
    text = "".join(parse(fragment).text)
    assert number(frame.train_loss) in text and number(frame.test_loss) in text
    assert f"Frame at step {frame.step}" in text and frame.diagnosis.words in text
    for layer in frame.reading.layers:
        assert number(layer.grad_norm) in text
    assert fragment.count("<tr>") == 1 + len(frame.reading.layers) + len(frame._summary_rows())  # header, layers
    plain = str(frame)
    assert f"training loss: {number(frame.train_loss)}" in plain and "‖dL/dW‖" in plain
    assert number(frame.reading.layers[1].grad_norm) in plain


def test_a_frames_text_is_escaped(frame):
    layer = dataclasses.replace(frame.reading.layers[0], reading=HOSTILE)
    hostile = dataclasses.replace(frame, reading=dataclasses.replace(frame.reading, layers=(layer,)))
    assert_escaped(hostile._repr_html_())


def test_a_diverged_frame_reads_nan_not_a_crash(frame):
    diverged = dataclasses.replace(frame, train_loss=float("nan"), status="diverged", diverged_at_step=7)
    text = "".join(parse(diverged._repr_html_()).text)
    assert "NaN" in text and "diverged at step" in text and "7" in text


def test_a_verdict_shows_its_status_and_each_part():
    verdict = ex2.check("0.2^19", "9.54e-7")
    text = "".join(parse(verdict._repr_html_()).text)
    assert "partly correct" in text and "19" in text and "correct" in text
    assert [p.label in text for p in verdict.parts] == [True, True]
    assert str(verdict).startswith("ex2: partly correct — ")


def test_a_verdicts_text_is_escaped():
    """Feedback can quote a learner's answer; a teacher's exercise file names its own parts."""
    verdict = Verdict("ex2", "incorrect", HOSTILE, (PartResult(HOSTILE, "incorrect", HOSTILE, (HOSTILE,)),))
    assert_escaped(verdict._repr_html_())


def test_a_measured_flow_shows_a_row_per_layer(flow):
    fragment = flow._repr_html_()
    text = "".join(parse(fragment).text)
    for i in range(flow.depth):
        assert number(flow.ratio_to_last[i]) in text and number(flow.signal_bound_to_last[i]) in text
    assert flow.reading.words in text and fragment.count("<tr>") == 1 + flow.depth
    plain = str(flow)
    assert plain.startswith("sigmoid, 4 layers of 8, xavier_normal: ") and number(flow.grad_norms[0]) in plain
    assert "array(" not in plain
    assert_escaped(dataclasses.replace(flow, activation=HOSTILE)._repr_html_())


def test_demonstration_results_render_as_tables():
    from actlab.experiments.vanishing import lesson_numbers

    lesson = lesson_numbers()
    text = "".join(parse(lesson._repr_html_()).text)
    assert "9.537e-07" in text and "0.25" in text  # 0.25^10 and sigmoid'(0), to four figures
    assert "9.537e-07" in str(lesson) and str(lesson).startswith("LessonNumbers")
    collapse = experiments.linear_collapse(seed=0)
    doc = parse(collapse._repr_html_())
    assert doc.tags.count("table") > 1  # nested results are nested tables


def test_a_results_text_is_escaped_and_long_arrays_are_cut():
    @dataclasses.dataclass(frozen=True)
    class Demo(ResultMixin):
        label: str
        values: np.ndarray

    demo = Demo(HOSTILE, np.arange(100.0))
    assert_escaped(demo._repr_html_())
    assert re.search(r"… \(92 more\)", str(demo)) and "99" not in str(demo)
