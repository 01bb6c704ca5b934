"""Widgets that skip work keep showing what they are given: the trend chart's cells, worked out a
column at a time, are the cells of its definition (`_cell` of each column's value in each row); the
zone gauge, repainted only when its marker moves, shows each new marker."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from hrcoach.tui.chart import _cell, grid
from hrcoach.tui.gauge import ZoneGauge

bpm = st.floats(min_value=30, max_value=230, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), bpm), min_size=8, max_size=240),
    st.integers(min_value=2, max_value=70),
    st.booleans(),
    st.data(),
)
def test_grid_is_cell_by_cell(cols: list[float | None], height: int, band: bool, data: st.DataObject) -> None:
    values = [v for v in cols if v is not None] + ([111.0, 148.0] if band else [])
    bottom, top = (min(values) - 5, max(values) + 5) if values else (100.0, 110.0)
    step = (top - bottom) / height
    tops = [top - r * step for r in range(height)]
    bottoms = [row_top - step for row_top in tops]
    edges = st.sampled_from(tops + bottoms)  # values right on a row's edge, too
    cols = [data.draw(st.one_of(st.just(v), edges)) if v is not None else None for v in cols]
    expected = [
        "".join(_cell(v, top - r * step - step, top - r * step, step) for v in cols) for r in range(height)
    ]
    assert grid(cols, tops, bottoms, step) == expected


class GaugeApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ZoneGauge()


async def test_the_gauge_shows_each_new_marker() -> None:
    app = GaugeApp()
    async with app.run_test(size=(80, 5)) as pilot:
        gauge = app.query_one(ZoneGauge)

        async def marker(pct: float | None) -> str:
            gauge.pct = pct
            await pilot.pause()
            return gauge.render_line(0).text

        assert "▼ 65 %" in await marker(65.0)
        assert "▼ 65 %" in await marker(65.2)  # the same cell and number
        assert "▼ 66 %" in await marker(65.6)
        assert await marker(None) == " " * 80
        assert "99 % ▼" in await marker(99.0)
        assert gauge.render_line(1).text == str(gauge.render()).splitlines()[1]
