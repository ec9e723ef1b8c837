"""The published schema against the answers: a bounded, derandomized schemathesis run over every operation.

Each operation gets a fixed number of generated requests (valid ones and ones that break the schema); every answer
must be below 500 and match what /openapi.json documents for its status code (its content type and body schema).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from actlab.web.app import create_app  # noqa: E402
from actlab.web.jobs import JobRunner, Kind  # noqa: E402

EXAMPLES = 25  # per operation, valid and invalid requests together
SENT: list[str] = []

# the in-process client calls itself "testserver", a name the lab answers only when told to; the job runner's one
# kind is swapped for an instant one (the real one trains six networks; the HTTP surface is what is fuzzed here)
app = create_app(db_path=Path(tempfile.mkdtemp()) / "p.sqlite3", allow_hosts=("testserver",),
                 job_runner=JobRunner({"dying-relu": Kind(lambda step: {"trained": []})}))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


# Not checked: that every schema-valid request is accepted. Some rules are not in JSON Schema's words (x_min below
# x_max, a CSV file's contents, a learner name without control characters); breaking one is a documented 422.
@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_answer_is_below_500_and_matches_the_schema(case):
    SENT.append(case.operation.label)
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


def teardown_module():
    print(f"\nschemathesis: {len(SENT)} requests over {len(set(SENT))} operations")  # shown with pytest -s
