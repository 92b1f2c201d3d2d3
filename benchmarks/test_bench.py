"""The benchmark harness as a pytest test (not collected by default: testpaths = tests).

Run:  python3 -m pytest benchmarks -m bench
"""

import pytest
from click.testing import CliRunner

from zsa_sim.cli.bench_commands import bench


@pytest.mark.bench
def test_quick_benchmark_writes_its_table(tmp_path):
    out = tmp_path / "results.md"
    result = CliRunner().invoke(
        bench, ["--quick", "--no-prosimos", "--scaling", "none", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "| pilot (zentral)" in text
    assert "<!-- bench:end -->" in text
