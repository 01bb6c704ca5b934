"""Files sampled every 10 s or more (#13.5): a sample with no other within the gap length on
either side is judged by the jump rule against its neighbours however far, so a sparse
recording's samples are counted as accepted and its gaps as gaps, with no time credited to
either; a lone implausible reading between two dropouts is still rejected."""

from __future__ import annotations

from pathlib import Path

from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.engine.summary import Summary
from hrcoach.formats.files import load_recordings
from hrcoach.models import HeartRateSample
from tests.test_engine import run_live
from tests.test_import_xml_time import gpx

PARAMS = Params(hrmax=185)


def both(samples: list[HeartRateSample]) -> Summary:
    live, _ = run_live(samples, PARAMS)
    batch = summarize(SampleArrays.from_samples(samples), PARAMS)
    assert live.summary() == batch
    return batch


def test_a_swim_sampled_every_42_s_counts_every_sample_and_every_gap(tmp_path: Path) -> None:
    path = tmp_path / "swim.gpx"
    path.write_text(gpx([(42.0 * i, 110 + (i * 7) % 30) for i in range(88)]))  # 61 minutes
    (rec,) = load_recordings(path)
    s = both(rec.samples)
    assert s.samples_accepted == s.samples_total == 88 and s.rejected == {}
    assert s.gaps == 87 and s.gap_s == 87 * 42.0
    assert s.credited_s == 0 and s.bdnf_s == 0
    assert s.duration_s == 87 * 42.0


def test_a_lone_implausible_reading_between_two_dropouts_is_still_rejected() -> None:
    samples = [HeartRateSample(float(t), 120) for t in range(60)]
    samples.append(HeartRateSample(90.0, 235))  # alone: 31 s after and before the others
    samples += [HeartRateSample(float(t), 121) for t in range(121, 180)]
    s = both(samples)
    assert s.rejected == {"unconfirmed": 1} and s.max_bpm == 121


def test_a_lone_believable_reading_between_two_dropouts_is_counted_not_credited() -> None:
    samples = [HeartRateSample(float(t), 120) for t in range(60)]
    samples.append(HeartRateSample(90.0, 130))
    samples += [HeartRateSample(float(t), 121) for t in range(121, 180)]
    s = both(samples)
    assert s.rejected == {} and s.gaps == 2 and s.credited_s == 59 + 58
