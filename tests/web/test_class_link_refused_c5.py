# ruff: noqa: F811  (lab: the fixture imported from test_class_playground, named by each test)
"""A class's playground link that is not one is refused, by the API, the CLI and the core's reader: text such as
"lr 0.1 please", another page's address (/lesson#...), or a playground address with no settings were saved as no
settings at all, which put the class back on the defaults (issue 16, walkthrough W4 item 3). Both store backends."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from actlab.classroom import read_link
from actlab.errors import ConfigError
from web.test_class_playground import lab, teacher_for  # noqa: F401  (lab: a fixture)

NOT_LINKS = [
    ("lr 0.1 please", "is neither an address nor settings written as key=value"),
    ("http://127.0.0.1:8000/lesson#acts=relu,gelu", "it opens /lesson, not /playground"),
    ("/lesson?acts=relu", "it opens /lesson, not /playground"),
    ("http://127.0.0.1:8000/playground", "it carries no playground settings"),
    ("/playground?hide=lr", "it says only how the page looks"),
    ("   ", "it is empty"),
]


@pytest.mark.parametrize(("link", "why"), NOT_LINKS)
def test_the_reader_says_what_a_link_looks_like(link, why):
    with pytest.raises(ConfigError) as caught:
        read_link(link)
    assert caught.value.field == "link"
    assert caught.value.message.startswith("not a playground link: ") and why in caught.value.message
    assert "/playground?dataset=xor&lr=0.03" in caught.value.message  # what one looks like


@pytest.mark.parametrize("link", ["/playground?lr=0.1", "http://lab.school.example/playground/?lr=0.1",
                                  "?lr=0.1", "lr=0.1"])
def test_a_link_in_any_of_its_forms_is_read(link):
    assert read_link(link).config == {"lr": 0.1}


def test_the_api_refuses_it_and_keeps_what_was_saved(lab):
    location, _, token = lab
    teacher = teacher_for(location, token)
    first = teacher.put("/api/class/teacher/playground", json={"config": {"lr": 0.3}, "pinned": ["lr"]})
    assert first.status_code == 200, first.text
    for link, why in NOT_LINKS[:4]:
        res = teacher.put("/api/class/teacher/playground", json={"config": {}, "pinned": [], "link": link})
        assert res.status_code == 422 and res.json()["field"] == "link", res.text
        assert why in res.json()["detail"]
    saved = teacher.get("/api/class/playground").json()
    assert saved["config"] == {"lr": 0.3} and saved["pinned"] == ["lr"]


def test_the_cli_refuses_it(lab):
    from actlab.cli import app

    location, *_ = lab
    res = CliRunner().invoke(app, ["class", "playground", "physics 2a", "--db", location, "--link", "lr 0.1 please"],
                             env={"COLUMNS": "200"})
    assert res.exit_code != 0 and res.output.startswith("error: link: not a playground link"), res.output
