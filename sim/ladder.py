"""The recognition ladder: six levels a state can stand at toward the target actor.

The numbers are the public contract (README, every frame): the same level means the
same thing in every output.  Use the names below instead of bare numbers.
"""

from __future__ import annotations

HOSTILE = 0
"""Backs the armed opposition, refuses contact."""
NO_CONTACT = 1
"""No official contact (the Emirate may be on the state's terror list)."""
WORKING_CONTACTS = 2
"""Envoys, aid, a technical team."""
EMBASSY = 3
"""The Emirate's diplomats run the Afghan embassy, or a charge d'affaires is accredited."""
DE_FACTO = 4
"""An ambassador's credentials are accepted (de facto recognition)."""
DE_JURE = 5
"""De jure recognition."""

MAX_LEVEL = DE_JURE
NOT_A_STATE = -1
"""The level array's entry for the target actor itself (it does not recognise itself)."""

RECOGNITION_LEVELS: dict[int, str] = {
    HOSTILE: "hostile",
    NO_CONTACT: "no official contact",
    WORKING_CONTACTS: "working contacts",
    EMBASSY: "embassy run by Emirate diplomats / charge accredited",
    DE_FACTO: "ambassador accepted (de facto)",
    DE_JURE: "de jure recognition",
}


def level_label(level: int) -> str:
    """``"4 ambassador accepted (de facto)"``."""
    return f"{int(level)} {RECOGNITION_LEVELS[int(level)]}"
