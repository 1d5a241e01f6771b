"""docs/sharing.md draws the three state machines exactly as workflow.py defines them."""

import re
from pathlib import Path

import pytest

import govshare
from govshare.sharing.workflow import GRANT, OBJECTION, SHARE_REQUEST

DOC = Path(govshare.__file__).parent.parent / "docs" / "sharing.md"
ARROW = re.compile(r"^\s+(\S+) --> (\S+): (\w+) \(([\w/]+)\)$", re.M)


@pytest.mark.parametrize("machine", [SHARE_REQUEST, GRANT, OBJECTION], ids=lambda m: m.name)
def test_r13_docs_diagram_matches_the_transition_table(machine):
    drawn = {(source, target, action, parties)
             for source, target, action, parties in ARROW.findall(DOC.read_text())
             if action in {t.action for t in machine.transitions}
             and target in machine.states.values}
    table = {(t.source or "[*]", t.target, t.action, "/".join(t.parties))
             for t in machine.transitions}
    assert drawn == table
