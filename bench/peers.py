"""The same return schema as a pandera pandas schema, for the peer benchmark only."""

from __future__ import annotations

import pandera.pandas as pa

from audit.returns.schema import load_schema

DTYPES = {"text": object, "code": object, "yn": object, "integer": "Int64", "number": "float64", "date": "datetime64[ns]"}


def pandas_schema() -> pa.DataFrameSchema:
    columns = {}
    for f in load_schema().columns:
        checks = []
        if f.type in ("code", "yn"):
            checks.append(pa.Check.isin(f.allowed_values))
        if f.exclusive_min is not None:
            checks.append(pa.Check.gt(f.exclusive_min))
        if f.min is not None or f.max is not None:
            checks.append(pa.Check.in_range(f.min if f.min is not None else float("-inf"), f.max if f.max is not None else float("inf")))
        if f.pattern:
            checks.append(pa.Check.str_matches(f.pattern))
        if f.max_length:
            checks.append(pa.Check.str_length(max_value=f.max_length))
        columns[f.name] = pa.Column(DTYPES[f.type], checks=checks, nullable=not f.required, unique=f.unique, coerce=True, required=False)
    return pa.DataFrameSchema(columns)
