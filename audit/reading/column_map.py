"""A provider's own column names, mapped once onto the return's (`--columns mapping.yaml`).

A case-management export may call DISRSN "Discharge Reason" and CLIENTID
"Client Ref". The mapping file lists each such header and the return column
it holds, one per line (`Discharge Reason: DISRSN`). Headers match as the
validator matches headers (case, spaces and dashes forgiven). A mapping is
checked before any return is read: a target that is not a column of the
return, or two headers mapped to one column, is refused in one sentence.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from audit.errors import InputRefused
from audit.reading.workbook import normalise_header
from audit.resources import load_yaml
from audit.returns.schema import ReturnSchema, load_schema

MAX_BYTES = 1 << 20  # a mapping is a few dozen lines; anything bigger is not one


def load_column_map(path: str | Path, schema: ReturnSchema | None = None) -> dict[str, str]:
    """The mapping as {normalised export header: return column}; raises InputRefused if it is not sound."""
    import yaml

    schema = schema or load_schema()
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputRefused(path, "is too big to be a column mapping")
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputRefused(path, f"cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, yaml.YAMLError):
        raise InputRefused(path, "is not a YAML column mapping") from None
    if not isinstance(raw, dict) or not raw:
        raise InputRefused(path, "is not a column mapping: give one `export header: RETURN_COLUMN` per line")
    columns = set(schema.column_names)
    mapping: dict[str, str] = {}
    sources: dict[str, str] = {}  # target -> the header that claimed it
    for header, target in raw.items():
        if not isinstance(header, str) or not isinstance(target, str) or not header.strip():
            raise InputRefused(path, f"maps {header!r} to {target!r}; both must be column names")
        name, column = normalise_header(header), normalise_header(target)
        if column not in columns:
            raise InputRefused(path, f"maps '{header}' to '{target}', which is not a column of {schema.id}")
        if column in sources:
            raise InputRefused(path, f"maps both '{sources[column]}' and '{header}' to {column}; a column can come from one header only")
        if name in mapping:
            raise InputRefused(path, f"lists the header '{header}' twice")
        sources[column] = header
        mapping[name] = column
    return mapping


def schema_with_columns(path: str | Path | None) -> ReturnSchema:
    """The return schema, reading the export's headers through the mapping at `path` (none: as it is)."""
    schema = load_schema()
    if path is None:
        return schema
    return dataclasses.replace(schema, header_aliases=load_column_map(path, schema))
