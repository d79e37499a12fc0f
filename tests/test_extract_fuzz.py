"""Structure-aware fuzzing of contract extraction: Word numbering and body markup, PDF objects.

Byte flips (test_fuzz.py) rarely get past the zip layer or the PDF parser's
first check. These mutations keep the container valid and change what is
inside: numbering definitions and references with any attribute values,
random nestings of the markup Word templates use, PDF objects swapped,
re-numbered, truncated or pointed at themselves. Every run must end as a
scan (exit 0/1) or a reasoned refusal (exit 2, one sentence), never the
CLI's "could not finish", and print nothing a terminal would act on.
"""

from __future__ import annotations

import os
import re
from xml.sax.saxutils import escape, quoteattr

from docx_build import NS, p, r, write_docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_build import FONT, stream
from typer.testing import CliRunner

from audit.cli import app
from audit.samples.pdf_write import assemble

runner = CliRunner()
FUZZ = settings(max_examples=int(os.environ.get("OST_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
UNSHOWABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
attribute = st.one_of(st.integers(-100, 100).map(str), st.sampled_from(["", "abc", "9", "8", "0", "99999999999", "1e3", " 1", "\u0663"]), xml_text)
number_format = st.one_of(st.sampled_from(["decimal", "bullet", "none", "lowerLetter", "upperRoman", "lowerRoman", "ordinal"]), xml_text)
level_text = st.one_of(st.sampled_from(["%1.", "%1.%2", "(%3)", "%9.%0", "%%1", ""]), xml_text)


def check(result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output and "could not finish" not in result.stderr, result.stderr
    assert not UNSHOWABLE.search(result.output + result.stderr)
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1


@st.composite
def numbering(draw) -> str:
    levels = draw(st.lists(st.tuples(attribute, attribute, number_format, level_text), max_size=4))
    abstract = "".join(f"<w:lvl w:ilvl={quoteattr(i)}><w:start w:val={quoteattr(s)}/><w:numFmt w:val={quoteattr(f)}/>"
                       f"<w:lvlText w:val={quoteattr(t)}/></w:lvl>" for i, s, f, t in levels)
    nums = draw(st.lists(st.tuples(attribute, attribute, st.one_of(st.none(), st.tuples(attribute, attribute))), max_size=3))
    num_xml = "".join(f"<w:num w:numId={quoteattr(n)}><w:abstractNumId w:val={quoteattr(a)}/>"
                      + (f"<w:lvlOverride w:ilvl={quoteattr(o[0])}><w:startOverride w:val={quoteattr(o[1])}/></w:lvlOverride>" if o else "")
                      + "</w:num>" for n, a, o in nums)
    abstract_id = draw(attribute)
    return f"<w:numbering {NS}><w:abstractNum w:abstractNumId={quoteattr(abstract_id)}>{abstract}</w:abstractNum>{num_xml}</w:numbering>"


@st.composite
def styles(draw) -> str:
    """Paragraph styles with numbering and basedOn chains that may dangle or loop."""
    ids = ["A", "B", "C"]
    parts = []
    for sid in ids:
        based = draw(st.sampled_from([*ids, "Missing", ""]))
        num = draw(st.one_of(st.none(), st.tuples(attribute, attribute)))
        outline = draw(st.one_of(st.none(), attribute))
        ppr = ((f"<w:numPr><w:ilvl w:val={quoteattr(num[1])}/><w:numId w:val={quoteattr(num[0])}/></w:numPr>" if num else "")
               + (f"<w:outlineLvl w:val={quoteattr(outline)}/>" if outline is not None else ""))
        parts.append(f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="heading {sid}"/>'
                     f'<w:basedOn w:val="{based}"/><w:pPr>{ppr}</w:pPr></w:style>')
    return f"<w:styles {NS}>{''.join(parts)}</w:styles>"


@FUZZ
@given(numbering=numbering(), styles=styles(),
       paragraphs=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["A", "B", "C", "Nope"])),
                                     st.one_of(st.none(), st.tuples(attribute, attribute))), min_size=1, max_size=6))
def test_fuzzed_word_numbering(tmp_path, numbering, styles, paragraphs):
    body = "".join(p(f"4.{i} Payment on successful completion.", style=style, num=num) for i, (style, num) in enumerate(paragraphs))
    path = write_docx(tmp_path / "fuzz.docx", body, numbering=numbering, styles=styles)
    data = path.read_bytes()
    check(runner.invoke(app, ["contracts", str(path)]))
    assert path.read_bytes() == data


RUN_PIECES = [r("Paid on completion. "), '<w:r><w:fldChar w:fldCharType="begin"/></w:r>', '<w:r><w:fldChar w:fldCharType="separate"/></w:r>',
              '<w:r><w:fldChar w:fldCharType="end"/></w:r>', "<w:r><w:instrText>PAGE</w:instrText></w:r>",
              '<w:r><w:footnoteReference w:id="1"/></w:r>', '<w:r><w:footnoteReference w:id="x"/></w:r>',
              '<w:r><w:endnoteReference w:id="-1"/></w:r>', '<w:r><w:sym w:char="F0B7"/></w:r>', '<w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t></w:r>',
              '<w:r><w:tab/><w:br/><w:noBreakHyphen/></w:r>']
WRAPPERS = ["<w:sdt><w:sdtContent>{}</w:sdtContent></w:sdt>", '<w:ins w:id="1">{}</w:ins>', '<w:del w:id="2">{}</w:del>',
            "<w:hyperlink>{}</w:hyperlink>", '<w:fldSimple w:instr="REF x">{}</w:fldSimple>', "<w:smartTag>{}</w:smartTag>",
            "<mc:AlternateContent><mc:Choice>{}</mc:Choice><mc:Fallback>{}</mc:Fallback></mc:AlternateContent>"]
BLOCK_WRAPPERS = ["<w:sdt><w:sdtContent>{}</w:sdtContent></w:sdt>", "<w:customXml>{}</w:customXml>",
                  "<w:tbl><w:tr><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr><w:tr><w:tc><w:tcPr><w:vMerge/><w:gridSpan w:val=\"-3\"/></w:tcPr>{}</w:tc></w:tr></w:tbl>",
                  "<w:p><w:r><w:drawing><wps:txbx><w:txbxContent>{}</w:txbxContent></wps:txbx></w:drawing></w:r></w:p>",
                  "<mc:AlternateContent><mc:Fallback>{}</mc:Fallback></mc:AlternateContent>"]

runs = st.recursive(st.sampled_from(RUN_PIECES),
                    lambda inner: st.tuples(st.sampled_from(WRAPPERS), st.lists(inner, min_size=1, max_size=3))
                    .map(lambda t: t[0].format(*(["".join(t[1])] * t[0].count("{}")))), max_leaves=12)
blocks = st.recursive(st.lists(runs, min_size=1, max_size=3).map(lambda rs: f"<w:p>{''.join(rs)}</w:p>"),
                      lambda inner: st.tuples(st.sampled_from(BLOCK_WRAPPERS), st.lists(inner, min_size=1, max_size=2))
                      .map(lambda t: t[0].format(*(["".join(t[1])] * t[0].count("{}")))), max_leaves=10)


@FUZZ
@given(body=st.lists(blocks, min_size=1, max_size=4), header_rid=st.sampled_from(["rIdH", "rIdNone", ""]),
       footnotes_target=st.sampled_from(["footnotes.xml", "../footnotes.xml", "/word/footnotes.xml", "nowhere.xml"]))
def test_fuzzed_word_structure(tmp_path, body, header_rid, footnotes_target):
    footnotes = (f'<w:footnotes {NS}><w:footnote w:id="1"><w:p><w:r><w:t>Note {escape("<&>")}</w:t></w:r>'
                 '<w:footnoteReference w:id="1"/></w:p></w:footnote></w:footnotes>')
    path = write_docx(tmp_path / "fuzz.docx", "".join(body), sect=f'<w:headerReference r:id="{header_rid}"/>',
                      parts={"word/footnotes.xml": footnotes, "word/header1.xml": f"<w:hdr {NS}>{p('OFFICIAL')}</w:hdr>"},
                      rels=[("rIdH", "header", "header1.xml"), ("rIdF", "footnotes", footnotes_target)])
    data = path.read_bytes()
    check(runner.invoke(app, ["contracts", str(path)]))
    assert path.read_bytes() == data


def seed_objects() -> list[bytes]:
    """A two-page PDF with a ToUnicode font and a form XObject, as a list of object bodies (numbered from 1)."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap 1 begincodespacerange <00> <FF> endcodespacerange "
            b"2 beginbfchar\n<01> <0041>\n<02> <00A3>\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R /F2 6 0 R >> /XObject << /X1 7 0 R >> >> /Contents %d 0 R >>"
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R 8 0 R] /Count 2 >>",
        FONT,
        page % 5,
        stream(b"BT /F1 10 Tf 72 700 Td (4.1 Payment is made on each successful completion.) Tj 0 -14 Td /F2 10 Tf (\x01\x02) Tj ET /X1 Do"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 10 0 R >>",
        stream(b"BT /F1 9 Tf 72 600 Td (Form text: OST is not time-limited.) Tj ET",
               b" /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>"),
        page % 9,
        stream(b"BT /F1 10 Tf 72 700 Td (5.1 Reviews every twelve weeks.) Tj ET"),
        stream(cmap),
    ]


pdf_edit = st.one_of(
    st.tuples(st.just("swap"), st.integers(0, 9), st.integers(0, 9)),
    st.tuples(st.just("number"), st.integers(0, 9), st.sampled_from([b"-1", b"0", b"99999999999", b"2147483648", b"1e308", b"3.5", b"12 0 R"])),
    st.tuples(st.just("truncate"), st.integers(0, 9), st.floats(0, 1)),
    st.tuples(st.just("self"), st.integers(0, 9), st.just(b"")),
    st.tuples(st.just("cmap"), st.just(9), st.binary(min_size=2, max_size=4)),
    st.tuples(st.just("kids"), st.just(1), st.sampled_from([b"[2 0 R]", b"[1 0 R]", b"[4 0 R 4 0 R 4 0 R]", b"[]", b"[99 0 R]", b"4 0 R"])),
)


def apply_edit(objects: list[bytes], edit) -> None:
    kind, i, arg = edit
    if kind == "swap":
        objects[i], objects[arg] = objects[arg], objects[i]
    elif kind == "number":
        numbers = list(re.finditer(rb"(?<![\w/.])\d+(?![\w.])", objects[i].split(b"stream\n")[0]))
        if numbers:
            m = numbers[len(numbers) // 2]
            objects[i] = objects[i][:m.start()] + arg + objects[i][m.end():]
    elif kind == "truncate":
        objects[i] = objects[i][: int(arg * len(objects[i]))]
    elif kind == "self":
        objects[i] = objects[i].replace(b" 0 R", b"", 1).replace(b"<<", b"<< /Self %d 0 R /Parent %d 0 R" % (i + 1, i + 1), 1)
    elif kind == "cmap":
        cmap = b"/CIDInit begincmap 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar\n<01> <%s>\nendbfchar endcmap" % arg.hex().encode()
        objects[i] = stream(cmap)
    elif kind == "kids":
        objects[i] = b"<< /Type /Pages /Kids %s /Count 2 >>" % arg


@FUZZ
@given(edits=st.lists(pdf_edit, min_size=1, max_size=4), xref_intact=st.booleans())
def test_fuzzed_pdf_objects(tmp_path, edits, xref_intact):
    objects = seed_objects()
    for edit in edits:
        apply_edit(objects, edit)
    data = assemble(objects, root=1)
    if not xref_intact:  # a startxref offset pointing elsewhere, as after a careless edit
        data = data[:-40] + re.sub(rb"\d", b"7", data[-40:], count=2)
    path = tmp_path / "fuzz.pdf"
    path.write_bytes(data)
    check(runner.invoke(app, ["contracts", str(path)]))
    assert path.read_bytes() == data


def test_seed_pdf_reads(tmp_path):
    """The unmutated seed is a readable contract, so the mutations start from something real."""
    path = tmp_path / "seed.pdf"
    path.write_bytes(assemble(seed_objects(), root=1))
    result = runner.invoke(app, ["contracts", str(path), "--format", "json"])
    assert result.exit_code in (0, 1) and "could not finish" not in result.stderr
    from audit.contracts.extract import extract

    text = " ".join(x.text for x in extract(path).passages)
    assert "Payment is made on each successful completion" in text and "A£" in text and "Form text" in text
