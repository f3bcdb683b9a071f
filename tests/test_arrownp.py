"""Arrow buffers to numpy: checked against pyarrow's own kernels (a second method)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from supportkpi.io.arrownp import mask, to_np


@pytest.mark.parametrize("start", [0, 1, 3, 7, 8, 13])
def test_booleans_from_bits_follow_slices_and_nulls(start: int) -> None:
    rng = np.random.default_rng(start)
    values = rng.random(70) < 0.5
    missing = rng.random(70) < 0.2
    full = pa.array([None if m else bool(v) for v, m in zip(values, missing, strict=True)])
    arr = full.slice(start, 50)  # an offset that is not a whole byte
    expected = pc.fill_null(pc.cast(arr, pa.int8()), -1).to_pylist()
    assert to_np(arr, np.int8, -1).tolist() == expected
    assert mask(arr).tolist() == [v is True for v in arr.to_pylist()]


def test_booleans_without_nulls_or_rows() -> None:
    assert to_np(pa.array([True, False, True]), np.int8, -1).tolist() == [1, 0, 1]
    assert to_np(pa.array([], pa.bool_()), np.int8, -1).tolist() == []
    chunked = pa.chunked_array([[True, None], [False]])
    assert to_np(chunked, np.int8, -1).tolist() == [1, -1, 0]
