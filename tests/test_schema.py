"""Schemas are loaded strictly: every problem of every file reported at once, with its line."""

from pathlib import Path

import pytest
from conftest import ROOT, SCHEMAS, run_demat

from pipeline.errors import SchemaError
from pipeline.schemas.schema import check_files, load_schemas

BROKEN = sorted((ROOT / "tests" / "broken_schemas").glob("*.yaml"))


def expectation(path: Path) -> tuple[int, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), path
    line, msg = first[len("# expect: "):].split(": ", 1)
    return int(line), msg


def test_the_broken_corpus_is_large_enough():
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_each_broken_schema_reports_file_line_message(path):
    line, msg = expectation(path)
    loaded, problems = check_files([path])
    assert loaded == []
    wanted = f"{path}:{line}: "
    assert any(p.startswith(wanted) and msg in p for p in problems), problems


def test_shipped_schemas_load():
    schemas = load_schemas(SCHEMAS)
    assert {s.procedure for s in schemas} >= {"qc-changement-adresse", "qc-permis-construction", "qc-aide-financiere"}
    aide = next(s for s in schemas if s.procedure == "qc-aide-financiere")
    assert aide.pages == 2 and aide.template.kind == "pdf"


def test_loader_refuses_a_folder_with_one_bad_file_and_lists_all_problems(tmp_path):
    for p in BROKEN[:3]:
        (tmp_path / p.name).write_text(p.read_text(encoding="utf-8").replace("../../schemas/", str(SCHEMAS) + "/"))
    with pytest.raises(SchemaError) as err:
        load_schemas(tmp_path)
    assert len({p.split(":")[0] for p in err.value.problems}) == 3


def test_same_procedure_and_version_twice_is_an_error(tmp_path):
    text = (SCHEMAS / "qc-changement-adresse.yaml").read_text(encoding="utf-8").replace(
        "templates/", str(SCHEMAS / "templates") + "/")
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    _, problems = check_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert any("also defined in" in p for p in problems)


def test_cli_schema_check_exit_codes():
    ok = run_demat("schema", "check", "schemas/")
    assert ok.returncode == 0, ok.stderr
    assert "qc-aide-financiere.yaml: ok" in ok.stdout
    bad = run_demat("schema", "check", "tests/broken_schemas/")
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert len(lines) >= len(BROKEN) and all(":" in ln for ln in lines)
    assert "Traceback" not in bad.stderr


def test_ingest_with_a_bad_schema_folder_exits_1_without_traceback(tmp_path):
    out = run_demat("ingest", "samples/clean/adresse-01.png", "--schemas", "tests/broken_schemas",
                    "--store", str(tmp_path))
    assert out.returncode == 1
    assert "broken_schemas/" in out.stderr and "Traceback" not in out.stderr
