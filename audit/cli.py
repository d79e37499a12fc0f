"""The `ost-audit` command line: parse, call one library function, render.

Exit codes (cli.md): 0 nothing at or above --fail-on, 1 something is, 2 the
command could not do its job (one sentence on stderr, no traceback).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from audit.errors import InputRefused

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Audit opioid substitution therapy returns and the contracts that pay for them.")


def show_version(value: bool) -> None:
    if value:
        from audit import __version__

        typer.echo(f"ost-audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", help="show the version and exit", is_eager=True,
                                          callback=show_version)] = False,
) -> None:
    """Audit opioid substitution therapy returns and the contracts that pay for them."""
    from audit import settings

    settings.apply()


class Format(str, Enum):
    text = "text"
    json = "json"

    def progress(self, quiet: bool) -> bool:
        """A progress bar is for a person watching text output, never for programs."""
        return self is Format.text and not quiet


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


FormatOpt = Annotated[Format, typer.Option("--format", help="text for people, json for programs")]


def stdout_if_dash(path: Path | None) -> Path | None:
    """`-o -` means standard output, as it does for most tools (never a file named "-")."""
    return None if path is not None and str(path) == "-" else path


OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE", help="write here instead of stdout (- is stdout)",
                                                callback=stdout_if_dash)]
FailOnOpt = Annotated[FailOn, typer.Option("--fail-on", help="exit 1 when anything at or above this level is found")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="only the summary line (text) and no progress bar")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="show a traceback when something goes wrong")]
GuidelineOpt = Annotated[str, typer.Option("--guideline", metavar="SET", help="guideline rule set (see `ost-audit rules`)")]
AllOpt = Annotated[bool, typer.Option("--all", help="list every cell of each finding, not the first few")]
ColumnsOpt = Annotated[Path | None, typer.Option("--columns", metavar="MAP.yaml", help="YAML mapping of your export's headers to the return's columns (`Discharge Reason: DISRSN`)")]


def _stderr(message: str) -> None:
    """Every line to stderr: text from an input in it (a file name, a sheet name) is made visible."""
    from audit.printable import visible

    typer.echo(visible(message), err=True)


def _log_to_stderr() -> None:
    """The library's own log (package `audit`, never other libraries'), each line made visible like any other."""
    import logging

    from audit.printable import visible

    class Visible(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return visible(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Visible("ost-audit debug: %(message)s"))
    logger = logging.getLogger("audit")
    logger.handlers[:] = [handler]  # this run's stderr
    logger.setLevel(logging.DEBUG)


@contextmanager
def guarded(debug: bool) -> Iterator[None]:
    """Turn refusals and surprises into exit 2 with one sentence. Under --debug, also say where a speed-up
    fell back to the plain way (the library logs it) and show tracebacks."""
    if debug:
        _log_to_stderr()
    try:
        yield
    except (typer.Exit, typer.Abort, BrokenPipeError):
        raise
    except KeyboardInterrupt:
        raise typer.Exit(130) from None  # main() says so, as it does for a Ctrl-C while typer parses
    except InputRefused as exc:
        _stderr(f"ost-audit: {exc.path} {exc.reason}.")
        raise typer.Exit(2) from None
    except Exception as exc:  # the promise is: no traceback without --debug
        if debug:
            raise
        _stderr(f"ost-audit: could not finish: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (run with --debug for details).")
        raise typer.Exit(2) from None


def progress_callback(total: int, enabled: bool) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A rich progress bar on a terminal; nothing in pipes or for JSON."""
    if not enabled or total < 2 or not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("auditing", total=total)
    bar.start()
    return (lambda _label: bar.advance(task)), bar.stop


def with_progress(total: int, enabled: bool, work: Callable[[Callable[[str], None] | None], object]):
    """Run `work(tick)` with a progress bar when one is wanted (see progress_callback)."""
    tick, done = progress_callback(total, enabled)
    try:
        return work(tick)
    finally:
        done()


def said(message: str) -> None:
    """A command's text on stderr (compare's status), wrapped to the terminal as its stdout text is."""
    from audit.printable import markup
    from audit.reporting.output import hang, make_console

    hang(make_console(sys.stderr, colour=False), "", markup(message), more=2)


def wrote(what: str, quiet: bool) -> None:
    """The one line on stderr saying where a file went (none with --quiet)."""
    if not quiet:
        _stderr(f"wrote {what}")


def emit(content: str | Callable[[BinaryIO], None], output: Path | None, inputs: list[Path], quiet: bool = False) -> None:
    """Text, or a writer of bytes (big JSON), to the output file or stdout; a file written is said on stderr."""
    if output is not None:
        from audit.reporting.output import write_output

        write_output(output, content, inputs)
        wrote(str(output), quiet)
        return
    try:
        if isinstance(content, str):
            sys.stdout.write(content)
            sys.stdout.flush()
        else:
            sys.stdout.flush()
            content(sys.stdout.buffer)
            sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise  # the reader left (`| head`): typer exits quietly
    except OSError as exc:  # a full disk or a closed stream behind `>`
        from audit.errors import output_failed

        raise output_failed("standard output", exc) from exc


def render_text(render: Callable, output: Path | None) -> str:
    from audit.reporting.output import capture_text, make_console

    if output is None and sys.stdout.isatty():
        render(make_console())
        return ""
    return capture_text(render)


def show(format: Format, output: Path | None, inputs: list[Path], quiet: bool, *,
         text: Callable, json: Callable[[], str | Callable[[BinaryIO], None]]) -> None:
    """The one place a format is chosen: the command's text renderer (given a console) or its JSON maker,
    written to the output file or stdout."""
    renderers = {Format.text: lambda: render_text(text, output), Format.json: json}
    emit(renderers[format](), output, inputs, quiet)


def exit_code(findings, fail_on: FailOn) -> int:
    from audit.findings import fails

    return 1 if fails(findings, fail_on.value) else 0


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(metavar="RETURN.xlsx", help="return workbooks (.xlsx)")],
    annotate: Annotated[Path | None, typer.Option("--annotate", metavar="OUT.xlsx", help="write a copy with faulty cells highlighted")] = None,
    format: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    show_all: AllOpt = False,
    columns: ColumnsOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check returns against the ost-return-v1 schema; every fault by cell."""
    with guarded(debug):
        from audit.findings import fails_counts
        from audit.reading.column_map import schema_with_columns
        from audit.reading.return_kind import refuse_non_returns
        from audit.reporting.output import counts_line, envelope_stream, guard_outputs, plural, text_findings
        from audit.returns.validate import counts_of, findings_frame_of, validate_returns

        refuse_non_returns(files)
        guard_outputs({"--output": output, "--annotate": annotate}, files)
        schema = schema_with_columns(columns)
        results = with_progress(len(files), format.progress(quiet),
                                lambda tick: validate_returns(files, on_file=tick, schema=schema))
        if annotate is not None:
            from audit.returns.annotate import annotate_return

            if len(results) != 1:
                raise InputRefused(annotate, "--annotate takes exactly one return")
            annotate_return(results[0], annotate)
            wrote(f"the annotated copy to {annotate}", quiet)
        counts = counts_of(results)

        def text(console) -> None:
            findings = [f for r in results for f in r.findings]
            if not quiet and findings:
                text_findings(console, findings, show_all=show_all)
                console.print()
            console.print(counts_line(counts, f"{plural(len(results), 'return')} checked"))
        show(format, output, files, quiet, text=text,
             json=lambda: envelope_stream("validate", [{"path": r.path, "sha256": r.sha256} for r in results],
                                          findings_frame_of(results), counts))
    raise typer.Exit(1 if fails_counts(counts, fail_on.value) else 0)


@app.command()
def doses(
    files: Annotated[list[Path], typer.Argument(metavar="RETURN.xlsx", help="return workbooks (.xlsx)")],
    guideline: GuidelineOpt = "uk-2017",
    format: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    show_all: AllOpt = False,
    columns: ColumnsOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Audit prescribing against a guideline rule set (validates first)."""
    with guarded(debug):
        from audit.findings import fails_counts
        from audit.prescribing.doses import doses_run
        from audit.printable import markup
        from audit.reading.column_map import schema_with_columns
        from audit.reading.return_kind import refuse_non_returns
        from audit.reporting.output import counts_line, envelope_stream, plural, text_doses

        refuse_non_returns(files)
        schema = schema_with_columns(columns)
        run = with_progress(len(files), format.progress(quiet),
                            lambda tick: doses_run(files, guideline, on_file=tick, schema=schema))
        counts = run.counts()

        def text(console) -> None:
            text_doses(console, run.audits, quiet=quiet, show_all=show_all)
            console.print(counts_line(counts, f"\n{plural(len(run.audits), 'return')} audited against {markup(guideline)}"))
        show(format, output, files, quiet, text=text,
             json=lambda: envelope_stream("doses", run.inputs(), run.findings_frame(), counts, **run.to_dict()))
    raise typer.Exit(1 if fails_counts(counts, fail_on.value) else 0)


@app.command()
def rules(
    guideline: GuidelineOpt = "uk-2017",
    format: FormatOpt = Format.text,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the rules of a guideline set: thresholds, severity, citation, confidence."""
    with guarded(debug):
        from audit.prescribing.guidelines import load_guideline
        from audit.reporting.output import envelope, rules_data, text_rules, to_json

        rule_set = load_guideline(guideline)
        show(format, output, [], quiet, text=lambda console: text_rules(console, rule_set),
             json=lambda: to_json(envelope("rules", [], [], guideline=rule_set.id, title=rule_set.title,
                                           rules=rules_data(rule_set))))


@app.command()
def contracts(
    paths: Annotated[list[Path], typer.Argument(metavar="CONTRACT_OR_FOLDER", help="contracts (.docx, .pdf, .txt, .md) or folders of them")],
    format: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Scan contracts for payment on successful completion and time limits on treatment."""
    with guarded(debug):
        from audit.contracts.scan import contract_files, scan_contracts
        from audit.reporting.output import envelope, text_contracts, to_json

        files = contract_files(paths)
        scans = with_progress(len(files), format.progress(quiet), lambda tick: scan_contracts(files, on_file=tick))
        findings = [f for s in scans for f in s.findings]
        show(format, output, files, quiet, text=lambda console: text_contracts(console, scans, quiet=quiet),
             json=lambda: to_json(envelope("contracts", [{"path": s.file, "sha256": s.sha256} for s in scans], findings,
                                           contracts=[s.to_dict() for s in scans])))
    raise typer.Exit(exit_code(findings, fail_on))


@app.command()
def report(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="one area's folder, or its returns and contracts")],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE.html", help="the HTML file to write (- for stdout)")] = Path("report.html"),
    guideline: GuidelineOpt = "uk-2017",
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    columns: ColumnsOpt = None,
    debug: DebugOpt = False,
) -> None:
    """One area's full audit (validation, doses, contracts) as one self-contained HTML page."""
    with guarded(debug):
        from audit.reading.column_map import schema_with_columns
        from audit.reporting.area import area_files, audit_area
        from audit.reporting.output import guard_output
        from audit.reporting.report import render_report, write_report

        schema = schema_with_columns(columns)
        files = area_files(paths)
        to_stdout = str(output) == "-"
        if not to_stdout:
            guard_output(output, [*files[0], *files[1]])
        area = audit_area(paths, guideline, schema=schema, files=files)
        if to_stdout:
            emit(render_report(area), None, [])
        else:
            write_report(area, output)
            wrote(str(output), quiet)
    raise typer.Exit(exit_code(area.findings, fail_on))


@app.command()
def compare(
    areas_dir: Annotated[Path, typer.Argument(metavar="AREAS_DIR", help="a folder with one sub-folder per area (returns and contracts)")],
    output: Annotated[Path | None, typer.Option("--output", "-o", metavar="FILE.html", show_default=False,
                                                help="the HTML page to write, its area pages beside it in FILE-areas/ "
                                                     "(default compare.html; with --format json none unless given; "
                                                     "- for stdout, without area pages)")] = None,
    csv_path: Annotated[Path | None, typer.Option("--csv", metavar="FILE.csv", help="also write the indicators as CSV")] = None,
    public: Annotated[bool, typer.Option("--public", help="suppress counts of 1-4 and drop client-level detail")] = False,
    guideline: GuidelineOpt = "uk-2017",
    format: FormatOpt = Format.text,
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Compare areas: indicators with intervals, funnel plots, contract verdicts."""
    with guarded(debug):
        from audit.reporting.compare import area_folders, area_inputs, compare_to_files, pages_folder, render_compare, status_line
        from audit.reporting.output import envelope, guard_outputs, to_json

        to_stdout = output is not None and str(output) == "-"
        if to_stdout and format is Format.json:
            raise InputRefused("-", "cannot take both the page (--output -) and the JSON (--format json) on standard output")
        page = None if to_stdout else output or (Path("compare.html") if format is Format.text else None)
        guard_outputs({"--output": page, "--csv": csv_path}, area_inputs(areas_dir))
        comparison = with_progress(len(area_folders(areas_dir)), format.progress(quiet),
                                   lambda tick: compare_to_files(areas_dir, guideline, public=public, page=page,
                                                                 csv_path=csv_path, on_area=tick))
        if to_stdout:
            emit(render_compare(comparison, Path("-")), None, [])
        if format is Format.json:
            emit(to_json(envelope("compare", [], comparison.findings, **comparison.to_dict())), None, [])
        pages = page is not None and any(a.report for a in comparison.areas)
        written = [f"{p}" + (f" (area pages in {pages_folder(p)}/)" if p is page and pages else "")
                   for p in (page, csv_path) if p is not None]
        if not quiet and (written or format is Format.text):
            said(status_line(comparison) + (f": wrote {' and '.join(written)}" if written else ""))
    raise typer.Exit(exit_code(comparison.findings, fail_on))


@app.command()
def history(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH", help="one area's folder, or several quarterly returns of one area")],
    guideline: GuidelineOpt = "uk-2017",
    format: FormatOpt = Format.text,
    output: OutputOpt = None,
    fail_on: FailOnOpt = FailOn.error,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Quarters of one area: indicators by quarter with the change, and who vanished, came back or was cut while using."""
    with guarded(debug):
        from audit.prescribing.history import history_of
        from audit.reporting.area import area_files
        from audit.reporting.output import envelope, plural, summary_line, to_json

        returns, _ = area_files(paths)
        found = with_progress(len(returns), format.progress(quiet), lambda tick: history_of(paths, guideline, on_file=tick))
        findings = found.findings()

        def text(console) -> None:
            from audit.prescribing.history_view import counts_words, text_lines, wrap
            from audit.printable import visible

            summary = summary_line(findings, f"{plural(len(found.returns), 'return')} followed ({counts_words(found)})")
            # plain lines: text from the returns in them (area, provider, client ids) is shown, never obeyed
            console.out("\n".join(map(visible, [*text_lines(found, quiet=quiet), "", *wrap(summary)])))
        show(format, output, returns, quiet, text=text,
             json=lambda: to_json(envelope("history", [{"path": a.validated.path, "sha256": a.validated.sha256}
                                                       for a in found.returns], findings, guideline=guideline,
                                           **found.to_dict())))
    raise typer.Exit(exit_code(findings, fail_on))


@app.command()
def template(
    out: Annotated[Path, typer.Argument(metavar="OUT.xlsx", help="where to write the blank return (.xlsx)")],
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write a blank return with drop-downs, cell validation and notes."""
    with guarded(debug):
        from audit.returns.template import write_template

        write_template(out)
        wrote(f"a blank return to {out}", quiet)


@app.command()
def sample(
    outdir: Annotated[Path, typer.Argument(metavar="OUTDIR", help="folder to write the synthetic sample areas into")],
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write the synthetic sample areas (what sample_returns/ holds)."""
    with guarded(debug):
        from audit.samples.sample import write_samples

        written = write_samples(outdir)
        from audit.reporting.output import plural

        wrote(f"{plural(len(written), 'file')} under {outdir}", quiet)


def main() -> None:
    """Run the CLI. Usage errors are one sentence too, with any input text in them made visible."""
    from typer.exceptions import TyperException

    try:
        code = app(standalone_mode=False)
    except TyperException as exc:  # bad arguments (click's usage errors), exit 2
        context = getattr(exc, "ctx", None)
        message = exc.format_message()
        if context is not None and message == context.get_help():  # `ost-audit` alone shows the help
            typer.echo(message, err=True)
        else:
            _stderr(f"ost-audit: {message} (see --help).")
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        code = 130
    if code == 130:  # Ctrl-C, wherever it came: typer turns one during parsing into a silent 130
        interrupted()
    sys.exit(code or 0)


def interrupted() -> None:
    """The one line for Ctrl-C (exit 130)."""
    _stderr("ost-audit: interrupted.")


if __name__ == "__main__":
    main()
