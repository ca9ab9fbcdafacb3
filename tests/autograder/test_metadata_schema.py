"""nbgrader's metadata validation with the schema checked once (autograder.metadata_schema)."""
import json
from pathlib import Path
from unittest import mock

import jsonschema
import pytest
from nbformat.v4 import new_code_cell

from autograder import metadata_schema

SCHEMA = json.loads((Path(jsonschema.__file__).parents[1] / "nbgrader" / "nbgraderformat"
                     / "v3.json").read_text())
GOOD = {"grade": True, "solution": False, "locked": True, "grade_id": "test-a", "points": 2,
        "schema_version": 3, "task": False}
BAD = [
    {**GOOD, "points": "two"},          # wrong type
    {**GOOD, "grade_id": 7},            # wrong type
    {k: v for k, v in GOOD.items() if k != "locked"},  # a required key missing
    {**GOOD, "locked": "yes"},
]


def _error_of(function, *args):
    with pytest.raises(jsonschema.ValidationError) as caught:
        function(*args)
    return caught.value


def test_valid_metadata_passes():
    metadata_schema.validate(GOOD, SCHEMA)


@pytest.mark.parametrize("bad", BAD)
def test_invalid_metadata_raises_the_error_jsonschema_raises(bad):
    ours = _error_of(metadata_schema.validate, bad, SCHEMA)
    theirs = _error_of(jsonschema.validate, bad, SCHEMA)
    assert (ours.message, list(ours.path), ours.validator) == \
        (theirs.message, list(theirs.path), theirs.validator)


def test_an_invalid_schema_is_refused():
    with pytest.raises(jsonschema.SchemaError):
        metadata_schema.validate({}, {"type": 12})


def test_each_schema_is_checked_once():
    schema = {**SCHEMA, "title": "a copy only this test uses"}
    with mock.patch.object(jsonschema.Draft4Validator, "check_schema",
                           wraps=jsonschema.Draft4Validator.check_schema) as checked:
        for _ in range(5):
            metadata_schema.validate(GOOD, json.loads(json.dumps(schema)))
        with pytest.raises(jsonschema.ValidationError):
            metadata_schema.validate(BAD[0], schema)
    assert checked.call_count == 1


def test_nbgrader_still_rejects_bad_metadata_once_installed():
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError

    metadata_schema.install()
    validator = MetadataValidator()
    cell = new_code_cell("x = 1", metadata={"nbgrader": dict(GOOD)})
    validator.validate_cell(cell)
    cell.metadata.nbgrader["points"] = "two"
    with pytest.raises(ValidationError, match="'two' is not of type 'number'"):
        validator.validate_cell(cell)

