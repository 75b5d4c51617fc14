"""The recipient check's fast path agrees with the email package's parser: a plain address
comes back unchanged, anything else still goes through (and is refused by) the parser."""

from email.errors import HeaderParseError
from email.headerregistry import Address

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.mail.compose import _PLAIN_ADDRESS, _bare_address

ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"


@given(
    address=st.from_regex(
        rf"{ATEXT}{{1,12}}(\.{ATEXT}{{1,8}}){{0,2}}@[A-Za-z0-9-]{{1,10}}(\.[A-Za-z0-9-]{{1,6}}){{1,3}}",
        fullmatch=True,
    )
)
def test_a_plain_address_is_what_the_parser_would_return(address: str) -> None:
    assert _PLAIN_ADDRESS.fullmatch(address)
    assert _bare_address(address) == Address(addr_spec=address).addr_spec == address


@given(address=st.text(max_size=40))
def test_any_text_is_accepted_only_as_the_parser_accepts_it(address: str) -> None:
    try:
        expected = Address(addr_spec=address).addr_spec
    except Exception as refused:  # whatever the parser raises, the check raises too
        with pytest.raises(type(refused)):
            _bare_address(address)
    else:
        assert _bare_address(address) == expected


@pytest.mark.parametrize(
    "hostile",
    [
        "reader@example.org\r\nBcc: x@example.org",
        "reader@example.org\n",
        "Reader <reader@example.org>",
        "reader@example.org, other@example.org",
        "reader@example.org (Jane Client)",
    ],
)
def test_a_name_a_second_address_or_a_line_break_never_takes_the_fast_path(
    hostile: str,
) -> None:
    assert _PLAIN_ADDRESS.fullmatch(hostile) is None
    try:
        kept = _bare_address(hostile)
    except (ValueError, HeaderParseError):
        return
    assert kept == "reader@example.org"  # a comment is dropped by the parser, never sent
