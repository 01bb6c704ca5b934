"""The summary is a plain dataclass (no pydantic for `analyze`); the log's JSON of it is still
pydantic's (`store.records`): the same bytes, the same validation, rows stored before `span_s`
existed still read."""

from __future__ import annotations

import json

import pytest
from pydantic import TypeAdapter

from hrcoach.config import Profile
from hrcoach.engine.summary import Summary
from hrcoach.formats.files import load_recording
from hrcoach.session import Session, SessionSetup
from hrcoach.store.records import parse_summary, summary_json
from tests.conftest import stream


def summary_of(name: str) -> Summary:
    rec = load_recording(stream(name))
    session = Session(SessionSetup.from_profile(Profile(age=42)), pauses=rec.pauses)
    for ev in rec.events:
        session.feed(ev)
    session.finish()
    return session.summary()


@pytest.mark.parametrize("name", ["contact_lost", "dropout_reconnect", "startup_glitches"])
def test_the_store_json_round_trips_and_as_dict_is_its_json_values(name: str) -> None:
    s = summary_of(name)
    text = summary_json(s)
    assert parse_summary(text) == s
    assert json.loads(text) == s.as_dict() == TypeAdapter(Summary).dump_python(s, mode="json")
    assert list(s.as_dict()) == list(json.loads(text))  # the same order: analyze --json's keys
    assert text == json.dumps(s.as_dict(), separators=(",", ":"))


def test_a_summary_stored_before_span_s_reads_and_a_damaged_one_is_a_value_error() -> None:
    stored = json.loads(summary_json(summary_of("walk_5min")))
    del stored["span_s"]
    old = parse_summary(json.dumps(stored))
    assert old.span_s is None and old.span_note is None
    with pytest.raises(ValueError):
        parse_summary(json.dumps({**stored, "hrmax": "many"}))
    with pytest.raises(ValueError):
        parse_summary("{")
