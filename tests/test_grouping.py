"""Exact grouped quantiles by one packed sort, checked against numpy per group; roll-ups
of fine groups into coarse ones, checked against a loop.

The packed key takes three shapes by the size of group codes and values (an int32 key,
an int64 key, a lexsort for values past 2**63 / 2**bits); each must give numpy's
`quantile(method="linear")` (Hyndman-Fan type 7) for every group."""

from __future__ import annotations

import numpy as np
import pytest

from supportkpi import branchless
from supportkpi.engine import grouping
from supportkpi.engine.grouping import RollUp, Sample
from supportkpi.engine.partials import Values

QS = [0.1, 0.5, 0.9]


def _reference(code: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    out = np.full((k, len(QS)), np.nan)
    for g in range(k):
        mine = values[code == g]
        if len(mine):
            out[g] = np.quantile(mine.astype(np.float64), QS, method="linear")
    return out


@pytest.mark.parametrize(
    ("k", "high"),
    [
        (1, 10**6),  # one group: a plain sort
        (7, 10**6),  # 3 + 20 bits: an int32 key
        (300, 10**9),  # 9 + 30 bits: an int64 key
        (5, 2**62),  # past what 63 - 3 bits hold: a lexsort
    ],
)
def test_packed_sorts_match_numpy(k: int, high: int) -> None:
    rng = np.random.default_rng(k)
    n = 5000
    code = rng.integers(0, k, n)
    code[code == k - 1] = 0 if k > 2 else code[code == k - 1]  # an empty group
    us = rng.integers(0, high, n, dtype=np.int64)
    vals, counts = Sample.of(code, us, micros=True).quantiles(np.arange(k), k, QS)
    expected = _reference(code, us, k) * 1e-6
    assert counts.tolist() == np.bincount(code, minlength=k).tolist()
    np.testing.assert_allclose(vals, expected, rtol=1e-12, equal_nan=True)
    # the same values held in three chunks, packed into the key straight from them
    held = Values()
    for part in np.array_split(np.arange(n), 3):
        held.add(code[part], us[part], micros=True, compact=False)
    held.ready([k])
    got, chunk_counts = held.quantiles(np.arange(k), k, QS)
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)
    assert chunk_counts.tolist() == counts.tolist()


@pytest.mark.parametrize("n", [1, 2, 3, 10, 4001])
@pytest.mark.parametrize("whole_micros", [True, False])
def test_one_group_selects_only_the_places_read(n: int, whole_micros: bool) -> None:
    """One group: the values are partitioned at the places the quantiles read, not
    sorted; each quantile must still be numpy's, for seconds held as floats (whole
    microseconds packed into a key, or any float taking the plain path)."""
    rng = np.random.default_rng(n)
    seconds = rng.integers(0, 10**9, n) / 1e6 if whole_micros else rng.random(n) * 1e5
    qs = [0.9, 0.5, 0.25, 0.999]  # (not in order: each is placed on its own)
    got, counts = Sample.of(np.zeros(n, np.int64), seconds).quantiles(np.zeros(1, np.int64), 1, qs)
    assert counts.tolist() == [n]
    np.testing.assert_allclose(got[0], np.quantile(seconds, qs, method="linear"), rtol=1e-12)


def test_chunks_in_whole_seconds_keep_exact_values() -> None:
    """Chunks of whole seconds are held as int32 seconds; a chunk that is not makes the
    whole measure microseconds again; the quantiles are the same either way."""
    rng = np.random.default_rng(3)
    fine = [rng.integers(0, 4, 1000) for _ in range(3)]
    seconds = [rng.integers(0, 10**6, 1000) * 1_000_000 for _ in range(3)]
    seconds[2][0] += 1  # one value that is not a whole second
    roll = np.array([0, 1, 1, 2])  # four fine groups into three groups
    for parts in (seconds[:2], seconds):
        allv = np.concatenate(parts)
        allf = roll[np.concatenate(fine[: len(parts)])]
        expected = _reference(allf, allv, 3) * 1e-6

        def held(parts: list[np.ndarray] = parts) -> Values:
            out = Values()
            for f, v in zip(fine, parts, strict=False):
                out.add(f, v, micros=True, compact=True)
            return out

        straight = held()  # int32 seconds packed into the key from the chunks
        assert straight.values[0].dtype == np.int32
        got, counts = straight.quantiles(roll, 3, QS)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert counts.tolist() == np.bincount(allf, minlength=3).tolist()
        joined = held().sample()  # the chunks as one sample
        assert isinstance(joined, Sample)
        np.testing.assert_allclose(joined.quantiles(roll, 3, QS)[0], expected, rtol=1e-12)


@pytest.mark.parametrize(
    "shape", ["one group", "sorted codes", "shuffled codes", "an empty group", "no fine groups"]
)
def test_roll_up_sums_each_group(shape: str) -> None:
    """Every way `RollUp` sums (a total, segments of sorted codes, segments after one
    reordering, bincount when a group is empty) gives each group's plain sum."""
    rng = np.random.default_rng(3)
    f, k = (0, 3) if shape == "no fine groups" else (2000, 1 if shape == "one group" else 40)
    code = rng.integers(0, k, f)
    if shape == "sorted codes":
        code.sort()
    if shape == "an empty group":
        code[code == 7] = 8
    values = rng.integers(-1000, 1000, f) / 8  # eighths: every sum exact in any order
    got = RollUp(code, k)(values)
    expected = [
        sum(float(v) for v, c in zip(values, code, strict=True) if c == g) for g in range(k)
    ]
    assert got.tolist() == expected
    counts = RollUp(code, k)(np.ones(f, dtype=np.int64))
    assert counts.tolist() == [float((code == g).sum()) for g in range(k)]


def test_branchless_put_equals_masked_assignment() -> None:
    """Bit arithmetic gives what `values[mask] = fill` gives, for every int8 fill, on
    contiguous arrays and on strided views (an SLA slice of the state column)."""
    rng = np.random.default_rng(7)
    values = rng.integers(-128, 128, 4000).astype(np.int8)
    mask = rng.random(4000) < 0.5
    for fill in (-128, -1, 0, 1, 4, 127):
        expected, got = values.copy(), values.copy()
        expected[mask] = fill
        branchless.put(got, mask, fill)
        assert got.tolist() == expected.tolist()
    whole = values.copy()
    expected = whole.copy()
    expected[::3][mask[::3]] = 2
    branchless.put(whole[::3], mask[::3], 2)  # in place through the view
    assert whole.tolist() == expected.tolist()
    with pytest.raises(TypeError):
        branchless.put(np.zeros(3), np.ones(3, dtype=bool), 1)


@pytest.mark.parametrize("n", [0, 1, 2, 1000])
def test_distinct_is_np_unique(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.integers(-5, 50, n)
    assert np.array_equal(grouping.distinct(values), np.unique(values))


def test_grouped_distinct_by_sort_matches_a_set_per_group() -> None:
    """Many (group, key) pairs, past the bitmap: distinct keys per group, against sets."""
    rng = np.random.default_rng(3)
    k, card = 7, 1 << 26  # k × card over 2**28: the sorting path
    code = rng.integers(0, k, 5000)
    key = rng.integers(0, 300, 5000) * 1000
    expected = [len(set(key[code == g].tolist())) for g in range(k)]
    assert grouping.grouped_distinct(code, key, k, card).tolist() == expected


def test_whole_seconds_slice_by_slice() -> None:
    """int32 seconds only when every value is whole and below 2**31, wherever in the
    column (past the first slice) the exception is."""
    from supportkpi.engine.partials import _whole_seconds
    from supportkpi.threads import SLICE as _SLICE

    n = 2 * _SLICE + 5
    micros = np.arange(n, dtype=np.int64) * 1_000_000
    seconds = _whole_seconds(micros)
    assert seconds is not None and seconds.dtype == np.int32
    assert np.array_equal(seconds, np.arange(n))
    late = micros.copy()
    late[-1] += 1  # one microsecond off, in the last slice
    assert _whole_seconds(late) is None
    big = micros.copy()
    big[_SLICE + 1] = (1 << 31) * 1_000_000  # no int32 holds it
    assert _whole_seconds(big) is None
