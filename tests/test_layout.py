"""Architecture rules that a refactor must not break."""

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_pipeline_never_imports_prefect_or_flows():
    offenders = []
    for path in (ROOT / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("prefect", "flows")]
    assert offenders == []


def test_importing_the_whole_library_loads_no_prefect():
    modules = sorted(p.stem for p in (ROOT / "pipeline").glob("*.py") if p.stem != "__init__")
    code = "import sys\n" + "".join(f"import pipeline.{m}\n" for m in modules) + \
        "bad = [m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows')]\nprint(bad)\nassert not bad"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_what_crosses_task_boundaries_is_frozen_and_small():
    import dataclasses
    import pickle

    from pipeline.process import Outcome
    from pipeline.sources import DocRef

    for cls in (DocRef, Outcome):
        assert dataclasses.fields(cls) and cls.__dataclass_params__.frozen
    ref = DocRef("a/b.zip", "x.png", "b.zip!x.png")
    assert len(pickle.dumps(ref)) < 300
