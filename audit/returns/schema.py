"""The return schema, loaded from its one declarative file in `schemas/`.

Everything that knows about the return's columns (the pandera schema, the
validator's coercion, the template workbook and the docs table) asks this
module, never a copy of the spec.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from audit.resources import data_dir, load_yaml

SCHEMA_ID = "ost-return-v1"

POLARS_TYPE_NAMES = {"text": "String", "code": "String", "yn": "String",
                     "integer": "Int64", "number": "Float64", "date": "Date"}
YN_CODES = {"Y": "yes", "N": "no"}


@dataclass(frozen=True)
class Field:
    """One column of the OST sheet or one key of the Submission sheet."""

    name: str
    type: str
    required: bool
    description: str
    example: Any = ""
    codes: dict[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    exclusive_min: float | None = None
    pattern: str | None = None
    pattern_hint: str | None = None
    max_length: int | None = None
    unique: bool = False
    not_nhs_number: bool = False
    aliases: dict[str, str] = field(default_factory=dict)  # NDTMS code -> label, accepted in place of the label
    outcomes: dict[str, str] = field(default_factory=dict)  # label -> successful / neutral / unsuccessful
    code_note: str | None = None  # what is known of the NDTMS code list, for the docs

    @property
    def allowed_values(self) -> list[str]:
        if self.type == "yn":
            return list(YN_CODES)
        return list(self.codes) or list(self.allowed)

    def allowed_words(self) -> str:
        """The allowed values for messages and docs, each with its meaning and its NDTMS code when it has one:
        `C` (currently injecting), `crack` (crack cocaine), `Treatment completed - alcohol free` (NDTMS `81`)."""
        meanings = YN_CODES if self.type == "yn" else self.codes
        codes = {label: code for code, label in self.aliases.items()}

        def adds(v: str) -> bool:  # a meaning that only re-spells the label ("dropped out" of "Incomplete - dropped out") is left out
            return re.sub(r"[^0-9a-z]", "", meanings.get(v, v).lower()) not in re.sub(r"[^0-9a-z]", "", v.lower())

        def notes(v: str) -> str:
            parts = ([meanings[v]] if adds(v) else []) + ([f"NDTMS `{codes[v]}`"] if v in codes else [])
            return f" ({'; '.join(parts)})" if parts else ""

        return ", ".join(f"`{v}`{notes(v)}" for v in self.allowed_values)

    def rule_text(self) -> str:
        """The rule in words, for the docs table and template comments: each of its checks' words."""
        from audit.returns.checks import checks_of

        return "; ".join(words for check in checks_of(self) if (words := check.words(self)))


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True, eq=False)  # hashed by identity, so the pandera schema can be cached per schema
class ReturnSchema:
    id: str
    title: str
    earliest_date: dt.date
    submission_sheet: str
    submission_keys: tuple[Field, ...]
    ost_sheet: str
    columns: tuple[Field, ...]
    medications: dict[str, dict[str, Any]]
    cross_field: tuple[dict[str, Any], ...]
    header_aliases: dict[str, str] = field(default_factory=dict)  # an export's own headers (audit/reading/column_map.py)

    def column(self, name: str) -> Field:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


OUTCOMES = ("successful", "neutral", "unsuccessful")


def _field(raw: dict[str, Any]) -> Field:
    """A code is `label: meaning`, or `label: {meaning, ndtms, outcome}` when it has an NDTMS code or an outcome."""
    raw = dict(raw)
    codes, aliases, outcomes = {}, {}, {}
    for label, spec in (raw.get("codes") or {}).items():
        label = str(label)
        spec = spec if isinstance(spec, dict) else {"meaning": spec}
        codes[label] = str(spec["meaning"])
        if spec.get("ndtms") is not None:
            code = str(spec["ndtms"])
            if code in aliases or code in codes:
                raise ValueError(f"{raw['name']}: NDTMS code {code} is given twice")
            aliases[code] = label
        if spec.get("outcome") is not None:
            if spec["outcome"] not in OUTCOMES:
                raise ValueError(f"{raw['name']}: outcome of {label} must be one of {OUTCOMES}")
            outcomes[label] = spec["outcome"]
    if set(aliases) & set(codes):
        raise ValueError(f"{raw['name']}: an NDTMS code is also a label")
    raw["codes"], raw["aliases"], raw["outcomes"] = codes, aliases, outcomes
    raw["allowed"] = tuple(raw.get("allowed") or ())
    raw["example"] = "" if raw.get("example") is None else raw["example"]
    return Field(**raw)


@cache
def load_schema() -> ReturnSchema:
    raw = load_yaml((data_dir("schemas") / f"{SCHEMA_ID}.yaml").read_text(encoding="utf-8"))
    return ReturnSchema(
        id=raw["id"],
        title=raw["title"],
        earliest_date=raw["earliest_date"],
        submission_sheet=raw["submission"]["sheet"],
        submission_keys=tuple(_field(k) for k in raw["submission"]["keys"]),
        ost_sheet=raw["ost"]["sheet"],
        columns=tuple(_field(c) for c in raw["ost"]["columns"]),
        medications=raw["medications"],
        cross_field=tuple(raw["cross_field"]),
    )


@cache
def pandera_schema(schema: ReturnSchema | None = None, submission: bool = False):
    """The pandera (polars) schema of the coerced OST sheet (or of the Submission sheet's values, one column a
    key), built from the file and the checks' registry.

    Imported lazily: pandera is slow to import and only validation needs it.
    """
    import pandera.polars as pa
    import polars as pl

    from audit.returns.checks import checks_of

    schema = schema or load_schema()
    columns = {}
    for f in schema.submission_keys if submission else schema.columns:
        options: dict[str, Any] = {"nullable": not f.required, "required": False}
        checks = []
        for check in checks_of(f):
            options.update(check.column_options(f))
            if (made := check.pandera(f)) is not None:
                checks.append(made)
        columns[f.name] = pa.Column(getattr(pl, POLARS_TYPE_NAMES[f.type]), checks=checks, **options)
    return pa.DataFrameSchema(columns, name=f"{schema.id} {schema.submission_sheet}" if submission else schema.id)


def docs_table(schema: ReturnSchema | None = None) -> str:
    """Markdown for docs/return-format.md; a test keeps the committed copy fresh."""
    schema = schema or load_schema()
    lines = [f"# {schema.title} (`{schema.id}`)", "",
             f"Generated from `schemas/{schema.id}.yaml` by `python -m audit.docs`; do not edit by hand.", "",
             f"## Sheet `{schema.submission_sheet}` (key in column A, value in column B)", "",
             "| key | required | type | rule | description |", "|---|---|---|---|---|"]
    for f in schema.submission_keys:
        lines.append(_doc_row(f))
    lines += ["", f"## Sheet `{schema.ost_sheet}` (header in row 1, one client per row)", "",
              "| column | required | type | rule | description |", "|---|---|---|---|---|"]
    for f in schema.columns:
        lines.append(_doc_row(f))
    lines += ["", "## Plausible doses by medication", "", "| OST_MEDICATION | plausible DOSE_MG |", "|---|---|"]
    for med, bounds in schema.medications.items():
        plausible = (", ".join(_num(s) for s in bounds["strengths"]) if "strengths" in bounds
                     else f"{_num(bounds['min'])}-{_num(bounds['max'])}")
        lines.append(f"| `{med}` | {plausible} |")
    lines += ["", "## Rules between fields", "", "| rule | severity | columns | what |", "|---|---|---|---|"]
    for rule in schema.cross_field:
        cols = rule.get("columns") or [rule["column"]]
        what = re.sub(r"\s*\(\{other\}\)", "", rule["message"]).replace("{column}", "the date")
        lines.append(f"| `{rule['id']}` | {rule['severity']} | {', '.join(cols)} | {what} |")
    lines += _code_lists(schema)
    return "\n".join(lines) + "\n"


def _code_lists(schema: ReturnSchema) -> list[str]:
    """Both forms of every code: the label the return uses and the NDTMS code accepted in its place."""
    lines = ["", "## Code lists", "",
             "Each coded cell takes the label, or the NDTMS code where one is listed: the validator reads the code",
             "as the label and says so in an information note. A code marked `-` has no NDTMS code accepted."]
    for f in schema.columns:
        if f.type != "code":
            continue
        codes = {label: code for code, label in f.aliases.items()}
        lines += ["", f"### `{f.name}`", ""]
        if f.code_note:
            lines += [" ".join(f.code_note.split()), ""]
        header = "| label | NDTMS code | meaning |" + (" outcome |" if f.outcomes else "")
        lines += [header, "|---|---|---|" + ("---|" if f.outcomes else "")]
        for label, meaning in f.codes.items():
            code = f"`{codes[label]}`" if label in codes else "-"
            outcome = f" {f.outcomes.get(label, '-')} |" if f.outcomes else ""
            lines.append(f"| `{label}` | {code} | {meaning} |{outcome}")
    return lines


def _doc_row(f: Field) -> str:
    rule = f.rule_text().replace("|", "\\|")
    return f"| `{f.name}` | {'yes' if f.required else 'no'} | {f.type} | {rule} | {f.description} |"
