import random
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from messaging.jobs import Backoff


def test_delays_double_per_attempt_before_jitter() -> None:
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(hours=1), jitter=0.0)
    rng = random.Random(1)
    assert [backoff.delay(n, rng).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]


def test_delays_are_capped() -> None:
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(minutes=5), jitter=0.0)
    assert backoff.delay(30, random.Random(1)) == timedelta(minutes=5)


@given(attempt=st.integers(min_value=1, max_value=200), seed=st.integers())
def test_jitter_keeps_each_delay_within_half_and_full_of_the_raw_delay(
    attempt: int, seed: int
) -> None:
    backoff = Backoff(base=timedelta(seconds=10), cap=timedelta(hours=1), jitter=0.5)
    raw = min(timedelta(seconds=10) * 2 ** min(attempt - 1, 30), timedelta(hours=1))
    delay = backoff.delay(attempt, random.Random(seed))
    assert raw * 0.5 <= delay <= raw


def test_jitter_spreads_retries_of_simultaneous_failures() -> None:
    backoff = Backoff()
    rng = random.Random(7)
    assert len({backoff.delay(3, rng) for _ in range(20)}) > 10
