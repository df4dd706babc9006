from __future__ import annotations

from autoprov.sip import reason_phrase
from autoprov.sip.reasons import REASON_PHRASES


def test_reason_phrases() -> None:
    assert REASON_PHRASES[200] == "OK"
    assert reason_phrase(423) == "Interval Too Brief"
    assert reason_phrase(499) == "Client Error"
    assert reason_phrase(299) == "Success"
    assert reason_phrase(999) == "Unknown"
