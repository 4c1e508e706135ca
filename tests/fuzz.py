"""The budget of the hypothesis fuzz tests: a few examples in `make test`, many in `make fuzz`
(KB_FUZZ_EXAMPLES, set by the Makefile), always the same number, never a time."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("KB_FUZZ_EXAMPLES", "25"))

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,  # a loaded machine must not fail an example for being slow
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
    derandomize=EXAMPLES <= 25,  # make test: the same examples every run; make fuzz explores
)
