"""Unwrap resolver answers in tests."""

from __future__ import annotations

from autoprov.provisioning.answers import Answer, Generated, Refusal, Refused, Stored


def body(answer: Answer) -> bytes:
    assert isinstance(answer, Generated), answer
    return answer.body


def refusal(answer: Answer | Stored) -> Refusal:
    assert isinstance(answer, Refused), answer
    return answer.refusal
