"""Report bodies: names and addresses are kept as plain lines (concern/schemas.py)."""

from __future__ import annotations

import pytest

from tillit.concern.case_details import DetailsIn
from tillit.concern.schemas import Child, Reporter


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2067", "\u2066", "\u200f", "\u202a"])
def test_direction_controls_are_dropped_from_names_and_addresses(control: str) -> None:
    """U+202E in a child's name would show the rest of the line reversed on the case page."""
    child = Child(
        name=f"Kim {control}Lund", address=f"Storgatan{control} 1", birth_date="2015-01-01"
    )
    assert (child.name, child.address) == ("Kim Lund", "Storgatan 1")
    assert Reporter(name=f"{control}Ali Hassan\x00").name == "Ali Hassan"
    assert DetailsIn(child_name=f"Sara{control} Ek").child_name == "Sara Ek"


def test_letters_of_every_script_are_kept() -> None:
    names = ["Åsa Öberg", "علي حسن", "דוד כהן", "Nguyễn Văn An", "Ольга"]
    assert [Child(name=name).name for name in names] == names
