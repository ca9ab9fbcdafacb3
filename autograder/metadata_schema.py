"""nbgrader's cell-metadata validation, with each schema checked once instead of once per cell.

nbgrader validates the ``nbgrader`` metadata of every cell, in several preprocessors, with
``jsonschema.validate(metadata, schema)``. That function first checks the *schema itself*
against the JSON Schema meta-schema and only then the metadata; the first part is about nine
tenths of its cost (measured: 0.2 s of worker time per notebook of the activations exercise)
and its answer never changes. :func:`install` swaps the ``jsonschema`` that nbgrader's
validator module sees for :data:`CACHED`, whose ``validate`` checks each distinct schema once
per process and then validates exactly as ``jsonschema.validate`` does: the same validator
class, the same errors, and the same choice of error to raise (``best_match``).
"""
from __future__ import annotations

import json
import types

import jsonschema
from jsonschema.exceptions import best_match

_validators: dict[str, object] = {}  # by the schema's JSON text


def validate(instance, schema) -> None:
    """``jsonschema.validate(instance, schema)``, with the schema's own check done once."""
    key = json.dumps(schema, sort_keys=True)
    validator = _validators.get(key)
    if validator is None:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)  # raises SchemaError, as jsonschema.validate does
        # Two threads may both get here once; each then checks the schema, which is harmless.
        validator = _validators[key] = cls(schema)
    error = best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


#: What nbgrader's ``nbgraderformat.common`` module uses as ``jsonschema`` after :func:`install`.
CACHED = types.SimpleNamespace(validate=validate, ValidationError=jsonschema.ValidationError)


def install() -> None:
    """Make nbgrader's metadata validation use :func:`validate` (idempotent)."""
    from nbgrader.nbgraderformat import common

    common.jsonschema = CACHED
