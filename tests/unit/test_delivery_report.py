"""The fan-out tests' failure report names what each member got wrong, briefly."""

from __future__ import annotations

from tests.support.groups import delivery_problem


def test_every_post_once_in_order_is_no_problem() -> None:
    assert delivery_problem([1, 2, 3], 3) is None


def test_a_delivery_problem_names_missing_duplicated_unexpected_and_out_of_order_seqs() -> None:
    assert delivery_problem([1, 3, 2, 2, 9], 4) == (
        "missing [4]; duplicated [2]; unexpected [9]; 2 after 3 at position 2; "
        "received [1, 3, 2, 2, 9]"
    )


def test_a_late_duplicate_is_a_problem_even_when_the_order_holds() -> None:
    assert delivery_problem([1, 2, 3, 3], 3) == "duplicated [3]; received [1, 2, 3, 3]"
