"""`read_profile` (no pydantic for a plain file) against `load_profile` (the pydantic model): the
same values, or the same error, for any file; and its bounds and choices are the model's."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import annotated_types
import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from hrcoach.config import (
    CHOICES,
    FLOAT_BOUNDS,
    INT_BOUNDS,
    PlainProfile,
    Profile,
    ProfileError,
    load_profile,
    plain_profile,
    read_profile,
)


def bounds(name: str) -> tuple[float, float]:
    meta = Profile.model_fields[name].metadata
    lo = next(m.ge for m in meta if isinstance(m, annotated_types.Ge))
    hi = next(m.le for m in meta if isinstance(m, annotated_types.Le))
    return lo, hi  # type: ignore[return-value]


def choices(name: str) -> tuple[str, ...]:
    annotation = Profile.model_fields[name].annotation
    if typing.get_origin(annotation) is not typing.Literal:  # Literal[...] | None
        (annotation,) = (a for a in typing.get_args(annotation) if a is not type(None))
    return typing.get_args(annotation)


def test_the_plain_check_has_the_models_fields_bounds_choices_and_defaults() -> None:
    assert [f.name for f in dataclasses.fields(PlainProfile)] == list(Profile.model_fields)
    assert dataclasses.asdict(PlainProfile()) == Profile().model_dump()
    assert set(INT_BOUNDS) | set(FLOAT_BOUNDS) | set(CHOICES) == set(Profile.model_fields)
    for name, (lo, hi) in {**INT_BOUNDS, **FLOAT_BOUNDS}.items():
        assert bounds(name) == (lo, hi), name
    for name, options in CHOICES.items():
        assert choices(name) == options, name
    for name in INT_BOUNDS:
        assert Profile.model_fields[name].annotation == int | None
    for name in FLOAT_BOUNDS:
        assert Profile.model_fields[name].annotation is float


def same(path: Path) -> None:
    try:
        expected: Any = load_profile(path).model_dump()
    except ProfileError as exc:
        expected = (str(exc), exc.kind)
    try:
        got = read_profile(path)
        found: Any = {f: getattr(got, f) for f in Profile.model_fields}
    except ProfileError as exc:
        found = (str(exc), exc.kind)
    assert found == expected
    if not isinstance(expected, tuple):
        assert all(type(found[k]) is type(v) for k, v in expected.items())  # 5.0, never 5


values = st.one_of(
    st.integers(-5, 700),
    st.floats(-5, 700),
    st.sampled_from([float("nan"), float("inf"), -0.0, 2.0, 120.0, 600.0]),
    st.booleans(),
    st.sampled_from([v for options in CHOICES.values() for v in options] + ["42", "TANAKA", "", "none"]),
    st.lists(st.integers(0, 3), max_size=2),
)
names = st.sampled_from([*Profile.model_fields, "colour"])


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names, values, max_size=6))
def test_read_profile_gives_what_load_profile_gives(
    tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    path = tmp_path_factory.mktemp("p") / "profile.toml"
    path.write_bytes(tomli_w.dumps(data).encode())
    same(path)


def test_read_profile_without_a_file_or_with_a_broken_one(tmp_path: Path) -> None:
    same(tmp_path / "none.toml")
    (tmp_path / "bad.toml").write_text("age = ")
    same(tmp_path / "bad.toml")


def test_a_plain_profile_needs_no_model_and_anything_else_goes_to_it() -> None:
    assert plain_profile({"age": 42, "warmup_min": 5}) == PlainProfile(age=42, warmup_min=5.0)
    for data in ({"age": "42"}, {"age": 42.0}, {"age": True}, {"age": 9}, {"colour": "red"}, {"goal_min": 1}):
        assert plain_profile(data) is None, data
