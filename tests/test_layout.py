"""Architecture rules that a refactor must not break.

`pipeline/` is the library; its subpackages stand in layers, each importing only the layers below it:
errors < inputs < schemas < reading < record < storage < process, preview, evaluate. `flows/` (Prefect and the
command line) and `web/` (the web application) import `pipeline/`, never the reverse.
"""

import ast
import dataclasses
import pickle
import subprocess
import sys

from conftest import ROOT

LAYERS = ["errors", "inputs", "schemas", "reading", "record", "storage", "process", "preview", "evaluate", "review",
          "figures", "charts", "propose", "studio"]
LAYER_RANK = {"errors": 0, "inputs": 1, "schemas": 2, "reading": 3, "record": 4, "storage": 5,
              "process": 6, "preview": 6, "evaluate": 6, "review": 6, "figures": 6, "charts": 6,
              "propose": 6, "studio": 7}


def _module_name(path, root=ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, root=ROOT) -> list[str]:
    """Every module a file imports, at its top or inside a function, relative imports resolved."""
    here = _module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(base + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.append(base)
            found += [f"{base}.{a.name}" for a in node.names]  # `from pkg import module`
    return found


def _graph(top: str, root=ROOT) -> dict[str, set[str]]:
    files = {_module_name(p, root): p for p in (root / top).rglob("*.py")}
    return {name: {m for m in _imports(path, root) if m in files and m != name} for name, path in files.items()}


def test_pipeline_never_imports_prefect_flows_or_the_web_application():
    offenders = []
    for path in (ROOT / "pipeline").rglob("*.py"):
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in _imports(path)
                      if m.split(".")[0] in ("prefect", "flows", "web", "starlette", "fastapi", "uvicorn", "torch",
                                             "sklearn")]
    assert offenders == []


def test_flows_never_import_the_web_application():
    offenders = []
    for path in (ROOT / "flows").rglob("*.py"):
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in _imports(path) if m.split(".")[0] == "web"]
    assert offenders == []


def test_no_import_circle_in_the_library():
    graph = _graph("pipeline")
    circles = []

    def visit(node, stack, seen):
        for nxt in sorted(graph[node]):
            if nxt in stack:
                circles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, stack + [nxt], seen)

    for start in sorted(graph):
        visit(start, [start], {start})
    assert circles == []


def test_each_layer_imports_only_the_layers_below_it():
    graph = _graph("pipeline")
    upward = []
    for module, targets in graph.items():
        parts = module.split(".")
        if len(parts) < 2:
            continue  # pipeline/__init__.py
        for target in targets:
            t_parts = target.split(".")
            if len(t_parts) < 2 or parts[1] == t_parts[1]:
                continue
            if LAYER_RANK[t_parts[1]] >= LAYER_RANK[parts[1]]:
                upward.append(f"{module} -> {target}")
    assert sorted(LAYER_RANK) == sorted(LAYERS)
    assert upward == []


def test_importing_the_whole_library_loads_no_prefect():
    modules = sorted(_module_name(p) for p in (ROOT / "pipeline").rglob("*.py"))
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + \
        "bad = [m for m in sys.modules if m.split('.')[0] in ('prefect', 'flows', 'web', 'torch')]\nprint(bad)\n" \
        "assert not bad"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_layer_check_sees_an_upward_import(tmp_path):
    """The rules above read real import statements, relative or not, at the top or in a function."""
    for rel in ("pipeline/__init__.py", "pipeline/inputs/__init__.py", "pipeline/reading/__init__.py",
                "pipeline/reading/tesseract.py", "pipeline/storage/__init__.py", "pipeline/storage/store.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "pipeline/inputs/probe.py").write_text(
        "from ..reading import tesseract\n\ndef f():\n    from pipeline.storage.store import Store\n")
    found = _graph("pipeline", tmp_path)["pipeline.inputs.probe"]
    assert found == {"pipeline.reading.tesseract", "pipeline.reading", "pipeline.storage.store"}


def test_what_crosses_task_boundaries_is_frozen_and_small():
    from pipeline.inputs.sources import DocRef
    from pipeline.process import Outcome

    for cls in (DocRef, Outcome):
        assert dataclasses.fields(cls) and cls.__dataclass_params__.frozen
    ref = DocRef("a/b.zip", "x.png", "b.zip!x.png")
    assert len(pickle.dumps(ref)) < 300
