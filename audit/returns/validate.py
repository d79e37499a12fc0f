"""Validate an `ost-return-v1` workbook: every fault at once, each by its cell.

The pipeline is: read each sheet once as text, map headers, coerce whole
columns (recording why a cell could not be read), run the pandera schema
built from `schemas/` lazily over the typed frame, then the cross-field rules.
The OST sheet's findings are made as frames, messages and all, whatever their
number: a first draft with a fault in every tenth row costs about what a clean
return does. Python only loops over the few findings about the workbook's shape
(sheets, headers, Submission keys) and over groups of hits (a column and a rule).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import polars as pl

from audit.background import in_background
from audit.findings import (
    Finding,
    Location,
    empty_findings_frame,
    findings_frame,
    findings_select,
    frame_findings,
    location_struct,
    sort_findings_frame,
    summarise,
)
from audit.prescribing.conditions import compile_condition, context_column
from audit.reading.workbook import COLUMN_MARGIN, Sheet, Workbook, normalise_header
from audit.returns.checks import by_failure_name
from audit.returns.codes import discharge_outcome
from audit.returns.coerce import clean, coerce_columns, fast_value
from audit.returns.messages import fill, render, render_expr
from audit.returns.nhs import masked, nhs_number_mask
from audit.returns.schema import POLARS_TYPE_NAMES, Field, ReturnSchema, load_schema, pandera_schema

ROW = "_row"


@dataclass
class ValidatedReturn:
    """A return read, typed and checked: the input of every later audit."""

    path: str
    sha256: str
    submission: dict[str, Any]
    clients: pl.DataFrame  # typed schema columns plus `_row` (the Excel row)
    invalid: pl.DataFrame  # one boolean column per schema column: an error in that cell
    letters: dict[str, str]  # schema column -> Excel column letter
    table: pl.DataFrame  # every finding, worst first, in the JSON shape (see audit.findings.findings_frame)

    @cached_property
    def findings(self) -> list[Finding]:
        """The findings as objects, made on first use (a messy return has tens of thousands)."""
        return frame_findings(self.table)

    def findings_frame(self) -> pl.DataFrame:
        return self.table

    def counts(self) -> dict[str, int]:
        """Findings by severity, without making them."""
        counts = summarise([])
        for severity, n in self.table.group_by("severity").len().iter_rows():
            counts[severity] = n
        return counts

    @property
    def synthetic(self) -> bool:
        """Sample data says so in its names; reports show a banner."""
        return any("SYNTHETIC" in str(v).upper() for v in self.submission.values() if isinstance(v, str))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def validate_return(path: str | Path, schema: ReturnSchema | None = None) -> ValidatedReturn:
    """Read and validate one return. Raises InputRefused for files it cannot use."""
    from concurrent.futures import ThreadPoolExecutor

    schema = schema or load_schema()
    path = Path(path)
    file = str(path)
    findings: list[Finding] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        # The safe-open check (ISA-L), the OST sheet parse (calamine) and hashing run mostly without
        # the GIL; meanwhile pandera, slow to import, gets ready here.
        opened = pool.submit(_open_and_load, path, schema)
        hashed = pool.submit(file_sha256, path)
        _ready_pandera(schema)
        book, ost_sheet = opened.result()  # a refusal is raised here, before any error hashing met
        sha256 = hashed.result()
    for wanted in (schema.submission_sheet, schema.ost_sheet):
        findings += [_make("RET-HIDDEN-SHEET", Location(file, sheet=hidden), sheet=hidden, wanted=wanted) for hidden in book.hidden_like(wanted)]
    submission = _submission(book.sheet(schema.submission_sheet), schema, file, findings)
    ost = _OstSheet(ost_sheet, schema, file, submission, findings)
    _mask_nhs_numbers(findings)
    table = sort_findings_frame(pl.concat([findings_frame(findings), ost.table()], how="vertical"))
    return ValidatedReturn(file, sha256, submission, ost.clients, ost.invalid, ost.letters, table)


@cache
def _ready_pandera(schema: ReturnSchema) -> None:
    """Build both pandera schemas and run one on no rows, once a process: pandera's first validation sets up
    its polars backend (70 ms), better spent here, beside the parse, than after it."""
    pandera_schema(schema)
    keys = pandera_schema(schema, submission=True)
    keys.validate(pl.DataFrame(schema={f.name: getattr(pl, POLARS_TYPE_NAMES[f.type]) for f in schema.submission_keys}), lazy=True)


def _open_and_load(path: Path, schema: ReturnSchema) -> tuple[Workbook, Sheet | None]:
    book = Workbook(path, max_columns=len(schema.columns) + COLUMN_MARGIN)
    return book, book.sheet(schema.ost_sheet)


def validate_returns(paths: Iterable[str | Path], on_file: Callable[[str], None] | None = None,
                     schema: ReturnSchema | None = None) -> list[ValidatedReturn]:
    """Validate several returns; `on_file` is told after each (for progress bars)."""
    results = []
    for p in paths:
        results.append(validate_return(p, schema))
        if on_file:
            on_file(str(p))
    return results


def counts_of(results: list[ValidatedReturn]) -> dict[str, int]:
    """Findings by severity over several returns, without making them."""
    per_file = [r.counts() for r in results]
    return {s: sum(c[s] for c in per_file) for s in summarise([])}


def findings_frame_of(results: list[ValidatedReturn]) -> pl.DataFrame:
    """Every return's findings in one frame, worst first, in the JSON shape (see audit.findings.write_findings_json)."""
    if len(results) == 1:
        return results[0].table  # already worst first
    return sort_findings_frame(pl.concat([r.table for r in results], how="vertical"))


# --- Submission sheet -------------------------------------------------------

def _submission(sheet: Sheet | None, schema: ReturnSchema, file: str, findings: list[Finding]) -> dict[str, Any]:
    name = schema.submission_sheet
    if sheet is None:
        findings.append(_make("RET-MISSING-SHEET", Location(file, sheet=name), sheet=name))
        return {}
    frame, letters = sheet.frame, sheet.letters
    used = [i for i, c in enumerate(frame.columns) if frame[c].is_not_null().any()]
    keys = {f.name: f for f in schema.submission_keys}
    found: dict[str, tuple[str | None, Location]] = {}  # key -> (raw value, where the value is)
    if used:
        key_col, value_col = used[0], used[0] + 1
        key_cells = frame[frame.columns[key_col]].to_list()
        values = frame[frame.columns[value_col]].to_list() if value_col < frame.width else [None] * frame.height
        value_letter = letters[value_col] if value_col < len(letters) else _next_letter(letters[key_col])
        first = True
        for i, (key_raw, value) in enumerate(zip(key_cells, values)):
            if key_raw is None or not key_raw.strip():
                continue
            key = normalise_header(key_raw)
            if key in keys and key not in found:
                found[key] = (value, Location(file, sheet=name, cell=f"{value_letter}{i + 1}", row=i + 1, column=key))
            elif not first:
                findings.append(_make("RET-UNKNOWN-KEY", Location(file, sheet=name, cell=f"{letters[key_col]}{i + 1}", row=i + 1),
                                      value=key_raw, schema=schema.id))
            first = False
    typed: dict[str, Any] = {}
    for key, spec in keys.items():
        if key not in found and spec.required:
            findings.append(_make("RET-MISSING-KEY", Location(file, sheet=name, column=key), sheet=name,
                                  column=key, expected=_rule_words(spec)))
    coerced = _coerce_values({k: found[k][0] for k in found}, keys)
    for key, (text, value, error, hint) in coerced.items():
        typed[key] = _submission_value(keys[key], text, value, error, hint, found[key][1], findings)
    _submission_checks(typed, schema, {k: loc for k, (_, loc) in found.items()}, findings)
    _period_rules(typed, {k: loc for k, (_, loc) in found.items()}, findings)
    return typed


def _submission_checks(typed: dict[str, Any], schema: ReturnSchema, loc: dict[str, Location], findings: list[Finding]) -> None:
    """The Submission values through the checks' registry, as the OST columns go (one pandera schema, one row);
    a value that fails is a finding and is then treated as absent."""
    import pandera.polars as pa

    specs = {f.name: f for f in schema.submission_keys}
    present = {k: v for k, v in typed.items() if v is not None}
    if not present:
        return
    row = pl.DataFrame({k: [v] for k, v in present.items()},
                       schema={k: getattr(pl, POLARS_TYPE_NAMES[specs[k].type]) for k in present})
    try:
        pandera_schema(schema, submission=True).validate(row, lazy=True)
        return
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.filter(pl.col("index").is_not_null() & pl.col("column").is_in(list(present)))
    checks = by_failure_name()
    for column, name, failure in cases.select("column", "check", "failure_case").unique(maintain_order=True).iter_rows():
        check, spec = checks[name], specs[column]
        part, fields = check.message_fields(pl.DataFrame({"failure_case": [failure], "_c": [None]}, schema={"failure_case": pl.String, "_c": pl.String}),
                                            spec, pl.col("failure_case"))
        shown_fields = part.select(**{k: v if isinstance(v, pl.Expr) else pl.lit(v) for k, v in fields.items()}).row(0, named=True)
        shown_fields.pop("client", None)
        findings.append(_make(check.rule, loc[column], column=column, **shown_fields))
        typed[column] = None


def _mask_nhs_numbers(findings: list[Finding]) -> None:
    """The workbook-level findings (Submission, headers, notes) with any NHS number in their value
    masked, in their message and fix too: one polars query for all of them."""
    values = pl.Series([None if f.value is None else str(f.value) for f in findings], dtype=pl.String)
    shown = values.to_frame("v").select(masked(pl.col("v")))["v"].to_list()
    for f, value, mask in zip(findings, values.to_list(), shown):
        if value is not None and mask != value:
            f.message, f.value = f.message.replace(value, mask), mask
            f.fix = f.fix.replace(value, mask) if f.fix else f.fix


def _next_letter(letter: str) -> str:
    from audit.reading.workbook import column_letter

    index = 0
    for ch in letter:
        index = index * 26 + ord(ch) - 64
    return column_letter(index)


def _coerce_values(raw: dict[str, str | None], keys: dict[str, Field]) -> dict[str, tuple[Any, Any, Any, Any]]:
    """Coerce the Submission values with the OST sheet's column machinery: fast pass, then the rest."""
    if not raw:
        return {}
    frame = pl.DataFrame({k: [v] for k, v in raw.items()}, schema={k: pl.String for k in raw}).select(
        [clean(pl.col(k)).alias(k) for k in raw])
    exprs = []
    for key in raw:
        value, leftover = fast_value(pl.col(key), keys[key].type, keys[key].allowed_values)
        exprs.append(pl.struct(text=pl.col(key), value=value.cast(pl.String), left=leftover).alias(key))
    first = frame.select(exprs).row(0, named=True)
    slow = [k for k, parts in first.items() if parts["left"]]
    out = {k: (p["text"], p["value"], None, None) for k, p in first.items()}
    if slow:
        full = coerce_columns(frame, {k: (pl.col(k), keys[k].type, keys[k].allowed_values, keys[k].aliases) for k in slow}, [])
        row = full.select(*[pl.col(k).cast(pl.String) for k in slow], pl.col("^.*__(err|hint)$")).row(0, named=True)
        out.update({k: (first[k]["text"], row[k], row[f"{k}__err"], row[f"{k}__hint"]) for k in slow})
    for key, (text, value, error, hint) in out.items():
        if value is not None and keys[key].type == "date":
            out[key] = (text, dt.date.fromisoformat(value), error, hint)
    return out


def _submission_value(spec: Field, text: str | None, value: Any, error: str | None, hint: str | None,
                      loc: Location, findings: list[Finding]) -> Any:
    if text is None:
        if spec.required:
            findings.append(_make("RET-REQUIRED", loc, column=spec.name, expected=_rule_words(spec)))
        return None
    if error:
        findings.append(_coercion_finding(error, spec, loc, text, hint, None))
        return None
    return value


def _period_rules(typed: dict[str, Any], loc: dict[str, Location], findings: list[Finding]) -> None:
    start, end, submitted = typed.get("PERIOD_START"), typed.get("PERIOD_END"), typed.get("SUBMITTED_ON")

    if start and end:
        if end <= start:
            findings.append(_make("RET-PERIOD-ORDER", loc["PERIOD_END"], value=end.isoformat(), other=start.isoformat()))
        elif (end - start).days > 366:
            findings.append(_make("RET-PERIOD-TOO-LONG", loc["PERIOD_END"], value=end.isoformat(), days=(end - start).days))
    if end and submitted and submitted < end:
        findings.append(_make("RET-SUBMITTED-BEFORE-END", loc["SUBMITTED_ON"], value=submitted.isoformat(), other=end.isoformat()))


# --- OST sheet ----------------------------------------------------------------

class _OstSheet:
    """Reads, coerces and checks the OST sheet; leaves typed clients and its findings as a frame."""

    def __init__(self, sheet: Sheet | None, schema: ReturnSchema, file: str, submission: dict[str, Any],
                 findings: list[Finding]) -> None:
        self.schema, self.file, self.findings = schema, file, findings
        self.sheet_name = schema.ost_sheet
        self.letters: dict[str, str] = {}
        self.absent: set[str] = set()
        self.header_row: int | None = None
        self.hits: list[pl.DataFrame] = []  # one frame per check (and column): see `_add`
        self.pending: list[pl.LazyFrame] = []  # hits whose messages are still to render, all at once
        self.rendering: list[Future] = []  # batches of pending hits being rendered on another thread
        self.errors: list[pl.DataFrame] = []  # (row, column) of each error so far, for the rules that skip them
        raw = self._raw_frame(sheet)
        typed = self._coerce(raw)
        if typed.height:
            self._render_soon()  # the coercion findings' messages, while pandera checks
            self._pandera(typed)
            self._render_soon()
            self._dose_plausible(typed)
            self._cross_field(typed, submission)
        self.clients = typed.select([ROW, *schema.column_names])
        self.invalid = self._invalid_mask(typed)

    def table(self) -> pl.DataFrame:
        """The sheet's cell findings in the JSON shape."""
        if not self._rendered():
            return empty_findings_frame()
        hits = pl.concat(self.hits, how="vertical")
        letter = pl.col("column").replace_strict(self.letters, default="?", return_dtype=pl.String)
        return findings_select(
            hits, rule=pl.col("rule"), severity=pl.col("severity"), message=pl.col("message"),
            location=location_struct(file=pl.lit(self.file), sheet=pl.lit(self.sheet_name),
                                     cell=pl.concat_str([letter, pl.col(ROW).cast(pl.String)]), row=pl.col(ROW), column=pl.col("column")),
            value=pl.col("value"), client=pl.col("client"), fix=pl.col("fix"))

    def _add(self, hits: pl.DataFrame, rule: str, column: str, *, value: pl.Expr | None, client: pl.Expr | None,
             **fields: Any) -> None:
        """One rule's hits in one column, messages rendered by polars: the frame form of `_make`."""
        value = masked(value) if value is not None else pl.lit(None, dtype=pl.String)  # no NHS number is ever shown
        severity, message, fix = render_expr(rule, value=value, column=column, **fields)
        self._add_rendered(hits, rule, column, severity.value, message, fix, value, client)

    def _add_rendered(self, hits: pl.DataFrame, rule: str, column: str, severity: str, message: pl.Expr,
                      fix: pl.Expr | str | None, value: pl.Expr, client: pl.Expr | None) -> None:
        if hits.height == 0:
            return
        fix = fix if isinstance(fix, pl.Expr) else pl.lit(fix, dtype=pl.String)
        if severity == "error":
            self.errors.append(hits.select(pl.col(ROW).cast(pl.Int64), column=pl.lit(column)))
        self.pending.append(hits.lazy().select(
            pl.col(ROW).cast(pl.Int64), column=pl.lit(column), rule=pl.lit(rule), severity=pl.lit(severity),
            message=message, fix=fix, value=value.cast(pl.String),
            client=client if client is not None else pl.lit(None, dtype=pl.String)))

    def _render_soon(self) -> None:
        """Start rendering the pending hits' messages (one `collect_all`, without the GIL) on another thread,
        so the next checks' Python work (pandera's mostly) runs meanwhile."""
        if self.pending:
            batch, self.pending = self.pending, []
            self.rendering.append(in_background(pl.collect_all, batch))

    def _rendered(self) -> list[pl.DataFrame]:
        """Every hit so far with its message rendered."""
        self._render_soon()
        for batch in self.rendering:
            self.hits += batch.result()
        self.rendering = []
        return self.hits

    # reading

    def _raw_frame(self, sheet: Sheet | None) -> pl.DataFrame:
        names = self.schema.column_names
        empty = pl.DataFrame(schema={ROW: pl.Int64, **{n: pl.String for n in names}})
        if sheet is None:
            self.findings.append(_make("RET-MISSING-SHEET", Location(self.file, sheet=self.sheet_name), sheet=self.sheet_name))
            self.absent = set(names)
            return empty
        frame = sheet.frame
        header_index = _first_filled_row(frame)
        if header_index is None:
            self.findings.append(_make("RET-NO-CLIENTS", Location(self.file, sheet=self.sheet_name), sheet=self.sheet_name))
            self.absent = set(names)
            return empty
        header_row = self.header_row = header_index + 1
        header = frame.row(header_index)
        chosen: dict[str, str] = {}
        unknown: list[tuple[str, str]] = []  # (header as typed, its cell)
        for source, text, letter in zip(frame.columns, header, sheet.letters):
            name = normalise_header(text)
            name = self.schema.header_aliases.get(name, name)  # a provider's own header (--columns)
            if not name:
                continue
            loc = Location(self.file, sheet=self.sheet_name, cell=f"{letter}{header_row}", row=header_row, column=name)
            if name not in names:
                unknown.append((text.strip(), f"{letter}{header_row}"))
            elif name in chosen:
                self.findings.append(_make("RET-DUPLICATE-COLUMN", loc, column=name, value=text.strip()))
            else:
                chosen[name] = source
                self.letters[name] = letter
        for spec in self.schema.columns:
            if spec.name not in chosen:
                self.absent.add(spec.name)
                if spec.required:
                    self.findings.append(_make("RET-MISSING-COLUMN", Location(self.file, sheet=self.sheet_name, row=header_row, column=spec.name),
                                               sheet=self.sheet_name, column=spec.name, expected=_rule_words(spec)))
        missing = [spec.name for spec in self.schema.columns if spec.name in self.absent]
        hint = ("; the return has no " + _some(missing) + " column: is it one of those?") if missing else ""
        for text, cell in unknown:  # a renamed column is ignored, and with it every rule that needs it: say which it may be
            self.findings.append(_make("RET-UNKNOWN-COLUMN", Location(self.file, sheet=self.sheet_name, cell=cell, row=header_row),
                                       value=text, schema=self.schema.id, hint=hint))
        body = frame.slice(header_index + 1).with_row_index(ROW, offset=header_row + 1).with_columns(pl.col(ROW).cast(pl.Int64))
        body = body.select([ROW, *[clean(pl.col(chosen[n])).alias(n) if n in chosen else pl.lit(None, dtype=pl.String).alias(n)
                                   for n in names]])
        body = body.filter(pl.any_horizontal(pl.col(names).is_not_null()))
        if body.height == 0:
            self.findings.append(_make("RET-NO-CLIENTS", Location(self.file, sheet=self.sheet_name), sheet=self.sheet_name))
        return body

    # coercion

    def _coerce(self, raw: pl.DataFrame) -> pl.DataFrame:
        """Typed values, with the reasons cells could not be read.

        A cheap pass first; only the columns that have cells it could not
        read get the full coercion (units, text dates, code variants). The
        client id as findings show it (`_c`: blank for an NHS number) is made
        here once for every later check.
        """
        # one pass: each column's fast value, its text, and which cells the fast pass could not read
        first: list[pl.Expr] = [pl.col(ROW)]
        for spec in self.schema.columns:
            value, leftover = fast_value(pl.col(spec.name), spec.type, spec.allowed_values)
            first += [value.alias(spec.name), pl.col(spec.name).alias(f"{spec.name}__raw"), leftover.alias(f"{spec.name}__left")]
        fast = raw.lazy().select(first).collect()  # lazy: an eager select computes each shared part (a parsed date) once per use
        left = fast.select(pl.col(f"{n}__left").any() for n in self.schema.column_names).row(0)
        needs_full = [n for n, any_left in zip(self.schema.column_names, left) if any_left]
        specs = {f.name: f for f in self.schema.columns}
        # the full coercion sees only the rows with leftovers, and in them only the leftover cells:
        # a first draft with a fault in every tenth row pays for a tenth of the sheet
        if needs_full:
            leftover_rows = fast.filter(pl.any_horizontal([pl.col(f"{n}__left") for n in needs_full]))
            full = coerce_columns(leftover_rows, {n: (pl.when(pl.col(f"{n}__left")).then(pl.col(f"{n}__raw")), specs[n].type,
                                                      specs[n].allowed_values, specs[n].aliases) for n in needs_full}, [ROW])
            fast = fast.join(full.rename({n: f"{n}__full" for n in needs_full}), on=ROW, how="left", maintain_order="left")
        exprs: list[pl.Expr] = [pl.col(ROW)]
        null = pl.lit(None, dtype=pl.String)
        for spec in self.schema.columns:
            name, text = spec.name, pl.col(f"{spec.name}__raw")
            if name in needs_full:
                exprs += [pl.when(pl.col(f"{name}__left")).then(pl.col(f"{name}__full")).otherwise(pl.col(name)).alias(name),
                          pl.col(f"{name}__err"), pl.col(f"{name}__hint"), pl.col(f"{name}__note")]
            else:
                exprs += [pl.col(name), null.alias(f"{name}__err"), null.alias(f"{name}__hint"), null.alias(f"{name}__note")]
            exprs.append(text)
        cid = pl.col("CLIENTID__raw")
        exprs.append(pl.when(nhs_number_mask(cid)).then(null).otherwise(cid).alias("_c"))
        typed = fast.select(exprs)
        self._coercion_findings(typed, needs_full)
        return typed

    def _coercion_findings(self, typed: pl.DataFrame, columns: list[str]) -> None:
        specs = {f.name: f for f in self.schema.columns if f.name in columns}
        if not specs:
            return
        errors = hits_long(typed, {n: {"hit": pl.col(f"{n}__err"), "raw": pl.col(f"{n}__raw"), "hint": pl.col(f"{n}__hint")}
                                   for n in specs}, [ROW, "_c"])
        if errors.height:
            for (name, rule), part in errors.partition_by("_key", "hit", as_dict=True).items():
                spec, hint = specs[name], pl.col("hint")
                detail = (pl.when(hint.is_not_null()).then(pl.format(" (it looks like an Excel serial number for {}; format the cell as a date)", hint))
                          .otherwise(pl.lit("")) if rule == "RET-NOT-A-DATE" else "")
                self._add(part, rule, name, value=shown(pl.col("raw")), client=pl.col("_c"), hint=hint, example=spec.example,
                          detail=detail, expected=_rule_words(spec))
        notes = hits_long(typed, {n: {"hit": pl.col(f"{n}__note"), "raw": pl.col(f"{n}__raw"), "canonical": pl.col(n).cast(pl.String)}
                                  for n in specs}, [ROW])
        summary = notes.group_by("_key", "hit", maintain_order=True).agg(pl.col(ROW).first(), pl.col("raw").first(),
                                                                         pl.col("canonical").first(), pl.len().alias("n"))
        for name, rule, row, raw, canonical, count in summary.iter_rows():  # one a column: count and first example
            self.findings.append(_make(rule, self._loc(name, row), value=raw, column=name, count=count,
                                       cell=f"{self.letters.get(name, '?')}{row}", canonical=canonical))

    # schema checks

    def _pandera(self, typed: pl.DataFrame) -> None:
        import pandera.polars as pa

        present = [c for c in self.schema.column_names if c not in self.absent]
        try:
            pandera_schema(self.schema).validate(typed.select(present), lazy=True)
            return
        except pa.errors.SchemaErrors as exc:
            cases = exc.failure_cases
        specs = {f.name: f for f in self.schema.columns}
        checks = by_failure_name()  # pandera names each failure by its check's unique name, never its position
        rows = typed.select(ROW, "_c", *[pl.col(f"{c}__err").is_not_null().alias(f"{c}__failed") for c in present]).with_row_index("index")
        cases = (cases.filter(pl.col("index").is_not_null() & pl.col("column").is_in(present))
                 .select("column", "check", pl.col("index").cast(pl.UInt32), "failure_case"))
        top = pl.col("check").is_in([c.failure_name() for c in checks.values() if c.outranks])
        cases = pl.concat([cases.filter(top), cases.filter(~top).join(cases.filter(top), on=["column", "index"], how="anti")])
        cases = cases.join(rows, on="index", how="left")
        for (column, name), part in cases.partition_by("column", "check", as_dict=True).items():
            spec = specs[column]
            if name == "not_nullable":  # a cell whose coercion failed was not blank: its coercion error says why
                part = part.filter(~pl.col(f"{column}__failed"))
                self._add(part, "RET-REQUIRED", column, value=None, client=pl.col("_c"), expected=_rule_words(spec))
                continue
            check = checks[name]
            part, fields = check.message_fields(part, spec, shown(pl.col("failure_case")))
            self._add(part, check.rule, column, **fields)

    def _dose_plausible(self, typed: pl.DataFrame) -> None:
        meds = self.schema.medications
        bad = pl.lit(False)
        words = pl.lit(None, dtype=pl.String)
        for med, bounds in meds.items():
            is_med = pl.col("OST_MEDICATION") == med
            if "strengths" in bounds:
                wrong = ~pl.col("DOSE_MG").is_in([float(s) for s in bounds["strengths"]])
                text = "one of " + ", ".join(f"{s:g}" for s in bounds["strengths"]) + " mg"
            else:
                wrong = (pl.col("DOSE_MG") < bounds["min"]) | (pl.col("DOSE_MG") > bounds["max"])
                text = f"{bounds['min']:g}-{bounds['max']:g} mg"
            hit = (is_med & wrong).fill_null(False)
            bad = bad | hit
            words = pl.when(hit).then(pl.lit(text)).otherwise(words)
        already = self._error_rows("DOSE_MG")
        hits = typed.filter(bad & pl.col("DOSE_MG").is_not_null() & ~pl.col(ROW).is_in(already.implode())).select(
            ROW, "DOSE_MG", "OST_MEDICATION", "_c", words.alias("_w"))
        self._add(hits, "RET-DOSE-IMPLAUSIBLE", "DOSE_MG", value=shown(pl.col("DOSE_MG")), client=pl.col("_c"),
                  medication=pl.col("OST_MEDICATION"), plausible=pl.col("_w"))

    def _cross_field(self, typed: pl.DataFrame, submission: dict[str, Any]) -> None:
        frame = typed.with_columns(context_columns(submission))
        rules, checks = {}, {}
        specs = {f.name: f for f in self.schema.columns}
        for rule in self.schema.cross_field:
            for column in rule.get("columns") or [rule["column"]]:
                if column in self.absent:
                    self._needed(frame, rule, specs[column])
                    continue
                key = f"{rule['id']}|{column}"
                rules[key] = (rule, column)
                checks[key] = {"hit": pl.when(compile_condition(rule["when"], this=column)).then(pl.lit(True))}
        hits = hits_long(frame, checks, [ROW])
        if hits.height == 0:
            return
        # the values shown in messages, for the rows that hit only
        joined = hits.join(frame, on=ROW, how="left")
        for (key,), part in joined.partition_by("_key", as_dict=True).items():
            rule, column = rules[key]
            message = fill(rule["message"], {"column": column, "other": masked(shown(_other_expr(rule["when"], column)))})
            self._add_rendered(part, rule["id"], column, rule["severity"], message, rule.get("fix"),
                               masked(shown(pl.col(column))), pl.col("_c"))

    def _needed(self, frame: pl.DataFrame, rule: dict[str, Any], spec: Field) -> None:
        """A rule that a blank cell breaks (OPIUSE when TOPDATE is given) still holds when the whole column is
        missing: one finding at the header, not silence and not one a row."""
        rows = frame.filter(compile_condition(rule["when"], this=spec.name).fill_null(False))[ROW]
        if rows.len():
            self.findings.append(_make("RET-COLUMN-NEEDED", Location(self.file, sheet=self.sheet_name, row=self.header_row, column=spec.name),
                                       sheet=self.sheet_name, column=spec.name, count=rows.len(), row=int(rows[0]),
                                       why=rule["message"].format(column=spec.name, other="…"), expected=_rule_words(spec)))

    # helpers

    def _loc(self, column: str, row: int) -> Location:
        return Location(self.file, sheet=self.sheet_name, cell=f"{self.letters.get(column, '?')}{row}", row=row, column=column)

    def _error_rows(self, column: str) -> pl.Series:
        """The rows with an error finding in a column so far."""
        return self._errors_by_column().get(column, pl.Series(ROW, [], dtype=pl.Int64))

    def _errors_by_column(self) -> dict[str, pl.Series]:
        if not self.errors:
            return {}
        grouped = pl.concat(self.errors).group_by("column").agg(ROW)
        return {column: pl.Series(ROW, rows, dtype=pl.Int64) for column, rows in grouped.iter_rows()}

    def _invalid_mask(self, typed: pl.DataFrame) -> pl.DataFrame:
        """True where a cell has an error finding: rules that need it skip the row."""
        errors = self._errors_by_column()
        return typed.select([pl.col(ROW).is_in(errors.get(c, pl.Series(ROW, [], dtype=pl.Int64)).implode()).alias(c)
                             if c not in self.absent else pl.lit(True).alias(c) for c in self.schema.column_names])


def _first_filled_row(frame: pl.DataFrame) -> int | None:
    """Index of the first row with any text: the header. Looks at the top of the sheet first."""
    if frame.width == 0:
        return None
    for window in (1000, frame.height):
        filled = frame.head(window).select(pl.any_horizontal(pl.all().str.strip_chars().str.len_chars() > 0).fill_null(False))
        hits = filled.to_series().arg_true()
        if hits.len():
            return int(hits[0])
    return None


def hits_long(frame: pl.DataFrame, checks: dict[str, dict[str, pl.Expr]], keep: list[pl.Expr | str]) -> pl.DataFrame:
    """Evaluate many per-column checks in one query; one row per hit.

    Each check is named fields, `hit` first (null or false when the cell is
    fine). The result has the `keep` columns, `_key` (the check's name) and the
    check's fields, so callers turn only the hits into findings.
    """
    if not checks:
        return pl.DataFrame()
    keep = [pl.col(k) if isinstance(k, str) else k for k in keep]
    hit_names = {key: f"__hit{i}" for i, key in enumerate(checks)}
    # the other fields and `keep` are made only for rows with a hit, and only those are unpivoted:
    # one row a client a check, or a shown value a cell, would cost more than the checks
    hit_rows = (frame.lazy().with_columns(**{hit_names[key]: fields["hit"] for key, fields in checks.items()})
                .filter(pl.any_horizontal([pl.col(name).is_not_null() for name in hit_names.values()])))
    wide = hit_rows.select(*keep, *[pl.struct(**{field: pl.col(hit_names[key]) if field == "hit" else e for field, e in fields.items()}).alias(key)
                                    for key, fields in checks.items()])
    index = wide.collect_schema().names()[: len(keep)]
    long = wide.unpivot(index=index, on=list(checks), variable_name="_key", value_name="_v")
    hit = pl.col("_v").struct.field("hit")
    return long.filter(hit.is_not_null() & (hit.cast(pl.String) != "false")).unnest("_v").collect()


def context_columns(submission: dict[str, Any]) -> list[pl.Expr]:
    """The return-wide values rules refer to as `$NAME`."""
    exprs = []
    for key in ("PERIOD_START", "PERIOD_END", "SUBMITTED_ON"):
        exprs.append(pl.lit(submission.get(key), dtype=pl.Date).alias(context_column(key)))
    exprs.append(pl.lit(submission.get("LA_CODE"), dtype=pl.String).alias(context_column("LA_CODE")))
    exprs.append(pl.coalesce(pl.col("DISD"), pl.lit(submission.get("PERIOD_END"), dtype=pl.Date)).alias(context_column("AS_OF")))
    exprs.append(discharge_outcome(pl.col("DISRSN")).alias(context_column("DISCHARGE_OUTCOME")))
    return exprs


def _other_expr(node: dict[str, Any], column: str) -> pl.Expr:
    """The value a cross-field rule compares with, to show in its message."""
    stack = [node]
    while stack:
        n = stack.pop()
        stack += n.get("all", []) + n.get("any", [])
        if "ref" in n:
            ref = n["ref"]
            if ref == "_":
                ref = column
            return pl.col(context_column(ref) if ref.startswith("$") else ref)
    return pl.lit(None)


def _coercion_finding(rule: str, spec: Field, loc: Location, raw: str | None, hint: str | None, client: str | None) -> Finding:
    detail = f" (it looks like an Excel serial number for {hint}; format the cell as a date)" if hint and rule == "RET-NOT-A-DATE" else ""
    return _make(rule, loc, value=_display(raw), column=spec.name, hint=hint, example=spec.example, detail=detail,
                 expected=_rule_words(spec), client=client)


def _make(rule: str, location: Location, *, value: Any = None, client: str | None = None, **fields: Any) -> Finding:
    severity, message, fix = render(rule, value=value, **fields)
    return Finding(rule=rule, severity=severity, message=message, location=location,
                   value=None if value is None else str(value), client=client, fix=fix)


def _some(names: list[str], shown: int = 4) -> str:
    """`A`, `B` or `C` (and N more)."""
    listed = names[:shown]
    text = ", ".join(listed[:-1]) + (" or " if len(listed) > 1 else "") + listed[-1]
    return text + (f" (or {len(names) - shown} more)" if len(names) > shown else "")


def _rule_words(spec: Field) -> str:
    text = spec.rule_text()
    if text:
        return text.replace("`", "")
    return {"date": "a date", "number": "a number", "integer": "a whole number"}.get(
        spec.type, f"a value ({spec.description.rstrip('.').lower()})")



def _display(value: Any) -> Any:
    """A value as a person typed it: Excel dates without midnight, whole numbers without .0 (scalar `shown`)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < LONGEST_WHOLE:
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.endswith(" 00:00:00") and len(value) == 19:
        return value[:10]
    if isinstance(value, str) and re.fullmatch(r"-?\d{16,}", value):
        return repr(float(value))  # as polars writes it (see shown)
    return value


LONGEST_WHOLE = 1e15  # beyond, calamine writes every digit of a float (1e30 as 31 digits): shown as 1e+30


def shown(value: pl.Expr) -> pl.Expr:
    """`_display` over a column: values as text the way a person typed them."""
    text = value.cast(pl.String)
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "${1}").str.replace(r"^(-?\d+)\.0$", "${1}")
    return pl.when(text.str.contains(r"^-?\d{16,}$")).then(text.cast(pl.Float64, strict=False).cast(pl.String)).otherwise(text)
