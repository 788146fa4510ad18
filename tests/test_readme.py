"""Every ```python block in README.md and docs/*.md runs as written, so the
documentation cannot drift from the code."""

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def python_blocks():
    for path in DOCUMENTS:
        for index, match in enumerate(BLOCK.finditer(path.read_text(encoding="utf-8"))):
            code = match.group(1)
            # blocks that train on a real data set are slow
            marks = [pytest.mark.slow] if "MNIST(" in code else []
            yield pytest.param(path, code, id=f"{path.name}-{index}", marks=marks)


@pytest.mark.parametrize("path,code", list(python_blocks()))
def test_documented_code_runs(path, code, tmp_path, monkeypatch):
    if "MNIST(" in code and not os.environ.get("MINIDL_DATA"):
        pytest.skip("needs MINIDL_DATA for MNIST")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(path), "exec"), {"__name__": "__doc_example__"})
