"""The benchmark suite's own pieces, on tiny inputs: no timings are asserted here (bench/ prints them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench import ann
from bench.__main__ import BENCHES, main, table
from bench.common import Row, cpu, judged, percentile

pytestmark = pytest.mark.slow  # runs the benches on small inputs


def test_rows_are_judged_by_ratio_or_value() -> None:
    assert judged(Row("x", "fast", 1.0, "s", 8.0, "slow", "ratio <= 0.25")).ok is True
    assert judged(Row("x", "fast", 3.0, "s", 8.0, "slow", "ratio <= 0.25")).ok is False
    assert judged(Row("x", "recall", 0.96, "", target="value >= 0.95")).ok is True
    assert judged(Row("x", "no figure", None, "s", target="value >= 1")).ok is None


def test_table_prints_each_figure_beside_its_baseline() -> None:
    text = table([Row("cold", "qa ask", 1.0, "s", 4.0, "import st", "ratio <= 0.25", ok=True)])
    line = text.splitlines()[-1]
    assert "qa ask" in line and "import st" in line and "0.250" in line and "yes" in line


def test_the_machine_line_names_the_processor_and_only_instructions_it_has() -> None:
    name, _, simd = cpu().partition("; ")
    info = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    flags = set(next(line for line in info.splitlines() if line.startswith("flags")).partition(":")[2].split())
    assert name.split(" (family")[0] in info
    assert simd == "no AVX2" or set(simd.split()) <= flags
    assert ("avx2" in flags) == ("avx2" in simd.split())


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile([5.0], 99) == 5.0


def test_synthetic_vectors_are_unit_length_and_clustered() -> None:
    db, queries = ann.vectors(2_000, queries=10, seed=1)
    assert db.shape == (2_000, ann.DIM) and queries.shape == (10, ann.DIM)
    assert np.allclose(np.linalg.norm(db, axis=1), 1.0, atol=1e-5)
    nearest = np.sort(db[:100] @ db.T, axis=1)[:, -2]  # the closest other vector
    assert float(nearest.mean()) > float((db[:100] @ db[100:200].T).mean()) + 0.1


def test_unknown_benchmark_names_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["nonsense"])
    assert "unknown benchmark" in capsys.readouterr().err
    assert {"cold", "index", "ann", "bm25"} <= set(BENCHES)
