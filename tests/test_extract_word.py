"""Word extraction: everything a reader sees, once, in order, and nothing they don't."""

from __future__ import annotations

import docx as python_docx
import pytest
from docx_build import NS, notes, p, r, table, write_docx

from audit.contracts.extract import extract
from audit.errors import InputRefused


def texts(path):
    return [x.text for x in extract(path).passages]


def test_content_controls_block_and_inline(tmp_path):
    body = ('<w:sdt><w:sdtPr><w:alias w:val="Payment clause"/></w:sdtPr><w:sdtContent>'
            + p("5.1 Ten per cent is paid on successful completions.") + "</w:sdtContent></w:sdt>"
            + p(runs=r("The provider is ") + '<w:sdt><w:sdtPr><w:tag w:val="x"/></w:sdtPr><w:sdtContent>'
                + r("Northmere Recovery") + "</w:sdtContent></w:sdt>" + r(" Ltd.")))
    assert texts(write_docx(tmp_path / "c.docx", body)) == ["5.1 Ten per cent is paid on successful completions.",
                                                              "The provider is Northmere Recovery Ltd."]


def test_tracked_insertions_read_deletions_not(tmp_path):
    runs = (r("OST is ") + '<w:del w:id="1" w:author="a"><w:r><w:delText>limited to 12 months and</w:delText></w:r></w:del>'
            + '<w:ins w:id="2" w:author="a">' + r("not time-limited") + "</w:ins>" + r("."))
    assert texts(write_docx(tmp_path / "c.docx", p(runs=runs))) == ["OST is not time-limited."]


def test_deleted_table_row_is_not_read(tmp_path):
    rows = (f"<w:tbl><w:tr><w:tc>{p('Element')}</w:tc><w:tc>{p('Share')}</w:tc></w:tr>"
            f'<w:tr><w:trPr><w:del w:id="3" w:author="a"/></w:trPr><w:tc>{p("Completions")}</w:tc><w:tc>{p("10%")}</w:tc></w:tr>'
            f"<w:tr><w:tc>{p('Core')}</w:tc><w:tc>{p('100%')}</w:tc></w:tr></w:tbl>")
    assert texts(write_docx(tmp_path / "c.docx", rows)) == ["Core | 100%"]


def test_text_box_read_once_not_its_fallback(tmp_path):
    box = p("Payment is made on each planned exit.")
    runs = (r("See the box.") + "<w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData>"
            f"<wps:wsp><wps:txbx><w:txbxContent>{box}</w:txbxContent></wps:txbx></wps:wsp>"
            "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>"
            f"<w:txbxContent>{box}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")
    assert texts(write_docx(tmp_path / "c.docx", p(runs=runs))) == ["See the box.", "Payment is made on each planned exit."]


def test_field_results_not_field_codes(tmp_path):
    complex_field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> DOCPROPERTY Tariff </w:instrText></w:r>'
                     '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("outcome tariff") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    simple = '<w:fldSimple w:instr=" REF Share "><w:r><w:t>15%</w:t></w:r></w:fldSimple>'
    body = p(runs=r("The ") + complex_field + r(" pays ") + simple + r(" of the contract value."))
    assert texts(write_docx(tmp_path / "c.docx", body)) == ["The outcome tariff pays 15% of the contract value."]


def test_nested_field_inside_a_field_code_is_not_shown(tmp_path):
    runs = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>IF </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>MERGEFIELD x</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("hidden-inner") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("shown result") + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    assert texts(write_docx(tmp_path / "c.docx", p(runs=runs))) == ["shown result"]


def test_hidden_runs_are_not_read(tmp_path):
    runs = r("Visible words.") + '<w:r><w:rPr><w:vanish/></w:rPr><w:t> Hidden payment on completion.</w:t></w:r>'
    assert texts(write_docx(tmp_path / "c.docx", p(runs=runs))) == ["Visible words."]


def test_footnotes_and_endnotes_follow_the_citing_paragraph(tmp_path):
    body = (p("Schedule 5 - Payment", style="Heading1")
            + p(runs=r("5.1 Element B is paid annually.") + '<w:r><w:footnoteReference w:id="1"/></w:r>')
            + p(runs=r("5.2 Invoices monthly.") + '<w:r><w:endnoteReference w:id="1"/></w:r>'))
    path = write_docx(tmp_path / "c.docx", body, parts={
        "word/footnotes.xml": notes("footnote", {"1": "Element B is the successful completions payment.", "2": "Never cited."}),
        "word/endnotes.xml": notes("endnote", {"1": "An endnote about the tariff."})},
        rels=[("rIdF", "footnotes", "footnotes.xml"), ("rIdE", "endnotes", "endnotes.xml")])
    passages = extract(path).passages
    assert [x.text for x in passages] == ["Schedule 5 - Payment", "5.1 Element B is paid annually.",
                                          "Element B is the successful completions payment.", "5.2 Invoices monthly.",
                                          "An endnote about the tariff."]
    note = passages[2]
    assert note.extra["note"] == "footnote 1" and note.paragraph == 2 and note.heading == "Schedule 5 - Payment"
    assert passages[4].extra["note"] == "endnote 1" and passages[4].paragraph == 3


def test_tables_in_tables_and_merged_cells(tmp_path):
    inner = table([p("Outcome"), p("Payment")], [p("Successful completion"), p("£500 per client")])
    outer = ("<w:tbl>"
             f"<w:tr><w:tc>{p('Element')}</w:tc><w:tc>{p('Detail')}</w:tc></w:tr>"
             f'<w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr>{p("B")}</w:tc><w:tc>{p("Outcome payments:")}{inner}</w:tc></w:tr>'
             f"<w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr>{p('')}</w:tc><w:tc>{p('Paid quarterly')}</w:tc></w:tr>"
             f'<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>{p("Total")}</w:tc></w:tr>'
             "</w:tbl>")
    passages = extract(write_docx(tmp_path / "c.docx", outer)).passages
    rows = [(x.text, x.table, x.row, x.extra["header"]) for x in passages]
    assert rows == [("B | Outcome payments:", 1, 2, "Element | Detail"),
                    ("Successful completion | £500 per client", 2, 2, "Outcome | Payment"),
                    ("B | Paid quarterly", 1, 3, "Element | Detail"),
                    ("Total", 1, 4, "Element | Detail")]


def test_numbering_rendered_as_word_shows_it(tmp_path):
    body = (p("Payment", num=("1", "0")) + p("Element A is a block payment.", num=("1", "1"))
            + p("Element B pays on completions.", num=("1", "1")) + p("of the first kind", num=("1", "2"))
            + p("Reviews", num=("1", "0")) + p("A bullet about completions.", num=("2", "0"))
            + p("Styled list item.", style="ListNumber"))
    passages = extract(write_docx(tmp_path / "c.docx", body)).passages
    assert [(x.clause, x.kind) for x in passages] == [("1", "heading"), ("1.1", "paragraph"), ("1.2", "paragraph"),
                                                      ("(a)", "paragraph"), ("2", "heading"), (None, "item"), ("3", "item")]


@pytest.mark.parametrize("level", ["99", "-20", "abc", "", "9", "99999999999999999999"])
def test_malformed_numbering_level_reads_past_with_a_note(tmp_path, level):
    body = p("4.1 OST will be provided for a maximum of 12 months.", num=("1", level)) + p("Next clause.", num=("1", "0"))
    text = extract(write_docx(tmp_path / "c.docx", body))
    assert [x.text for x in text.passages] == ["4.1 OST will be provided for a maximum of 12 months.", "Next clause."]
    assert text.passages[0].clause == "4.1"  # from the text, as the number Word would show cannot be known
    assert text.notes and "numbering level" in text.notes[0]


@pytest.mark.parametrize("numbering", [
    '<w:num w:numId="1"><w:abstractNumId w:val="7"/></w:num>',  # list pointing at no definition
    '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="zz"><w:start w:val="x"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>',
    '<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="-5"/><w:lvlText w:val="%9.%0.%1"/><w:numFmt w:val="upperRoman"/></w:lvl></w:abstractNum>'
    '<w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="3999"/></w:lvlOverride></w:num>',
    "",
])
def test_any_malformed_numbering_definition_is_read_past(tmp_path, numbering):
    body = p("First clause.", num=("1", "0")) + p("Second clause.", num=("1", "0"))
    text = extract(write_docx(tmp_path / "c.docx", body, numbering=f"<w:numbering {NS}>{numbering}</w:numbering>"))
    assert [x.text for x in text.passages] == ["First clause.", "Second clause."]
    assert all(x.clause is None or x.clause.isprintable() for x in text.passages)


def test_start_override_and_roman_numbers(tmp_path):
    numbering = (f'<w:numbering {NS}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
                 '<w:numFmt w:val="upperRoman"/><w:lvlText w:val="Part %1"/></w:lvl></w:abstractNum>'
                 '<w:num w:numId="1"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="4"/></w:lvlOverride></w:num>'
                 "</w:numbering>")
    body = p("Payment terms.", num=("1", "0")) + p("Outcomes.", num=("1", "0"))
    assert [x.clause for x in extract(write_docx(tmp_path / "c.docx", body, numbering=numbering)).passages] == ["Part IV", "Part V"]


def test_headers_footers_read_apart_and_dangling_references_noted(tmp_path):
    header = f'<w:hdr {NS}>{p("OFFICIAL - Council specification")}</w:hdr>'
    sect = '<w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdMissing"/>'
    path = write_docx(tmp_path / "c.docx", p("4.1 OST will not be time-limited."), sect=sect,
                      parts={"word/header1.xml": header}, rels=[("rIdH", "header", "header1.xml"), ("rIdGone", "footer", "footer9.xml")])
    text = extract(path)
    assert [x.text for x in text.passages] == ["4.1 OST will not be time-limited."]
    assert text.headers_footers == ["OFFICIAL - Council specification"]
    assert any("footer" in n and "rIdMissing" in n for n in text.notes)


def test_relationship_to_a_missing_part_is_noted(tmp_path):
    path = write_docx(tmp_path / "c.docx", p(runs=r("Clause.") + '<w:r><w:footnoteReference w:id="1"/></w:r>'),
                      rels=[("rIdF", "footnotes", "../../footnotes-elsewhere.xml")])
    text = extract(path)
    assert [x.text for x in text.passages] == ["Clause."]
    assert any("footnotes" in n for n in text.notes)
    assert any("cites a footnote it does not contain (footnote '1')" in n for n in text.notes)


def test_invisible_characters_removed_from_word_text(tmp_path):
    body = p("Payment on succ\u200bessful comp\u00adletion\u202e.")
    assert texts(write_docx(tmp_path / "c.docx", body)) == ["Payment on successful completion\u202e."]  # bidi marks kept


def test_strict_open_xml_is_read(tmp_path):
    strict = NS.replace("http://schemas.openxmlformats.org/wordprocessingml/2006/main", "http://purl.oclc.org/ooxml/wordprocessingml/main")
    path = write_docx(tmp_path / "c.docx", p("OST will not be time-limited."), styles=None, numbering=None)
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = parts["word/document.xml"].replace(NS.encode(), strict.encode())
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert texts(path) == ["OST will not be time-limited."]


def test_not_word_markup_is_refused(tmp_path):
    path = write_docx(tmp_path / "c.docx", "")
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["word/document.xml"] = b"<html><body>hello</body></html>"
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(InputRefused, match="not Word's markup"):
        extract(path)


def test_deep_nesting_refused_not_crashed(tmp_path):
    body = "<w:sdt><w:sdtContent>" * 3000 + p("deep") + "</w:sdtContent></w:sdt>" * 3000
    with pytest.raises(InputRefused, match="nested deeper"):
        extract(write_docx(tmp_path / "c.docx", body))


def test_python_docx_documents_read_as_before(tmp_path):
    """What python-docx writes (the way most test and sample documents are made) keeps its passages."""
    document = python_docx.Document()
    document.add_heading("Schedule 5 - Payment", level=1)
    document.add_paragraph("5.1 The Contract Price is made up of the elements below.")
    document.add_paragraph("Opening paragraph.", style="List Number")
    grid = document.add_table(rows=1, cols=2)
    grid.rows[0].cells[0].text, grid.rows[0].cells[1].text = "Element", "Share"
    cells = grid.add_row().cells
    cells[0].text, cells[1].text = "Successful completions", "10%"
    document.sections[0].header.paragraphs[0].text = "OFFICIAL"
    document.save(tmp_path / "c.docx")
    text = extract(tmp_path / "c.docx")
    assert [(x.text, x.kind, x.clause, x.paragraph, x.table, x.row) for x in text.passages] == [
        ("Schedule 5 - Payment", "heading", None, 1, None, None),
        ("5.1 The Contract Price is made up of the elements below.", "paragraph", "5.1", 2, None, None),
        ("Opening paragraph.", "item", "1", 3, None, None),
        ("Successful completions | 10%", "row", None, None, 1, 2)]
    assert text.passages[3].extra["header"] == "Element | Share" and text.headers_footers == ["OFFICIAL"]


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml", "word/numbering.xml", "word/_rels/document.xml.rels",
                                  "word/footnotes.xml"])
@pytest.mark.parametrize("content", [b'<?xml version="1.0" encoding="bogus"?><a/>', b"not xml at all", b"<a><b></a>", b"",
                                     b'<?xml version="1.0"?><a>&#1;</a>'])
def test_any_malformed_part_is_one_sentence(tmp_path, part, content):
    """Whichever part is broken, and however, the refusal names the file and the part (never a crash)."""
    path = write_docx(tmp_path / "c.docx", p(runs=r("Clause.") + '<w:r><w:footnoteReference w:id="1"/></w:r>'),
                      parts={"word/footnotes.xml": notes("footnote", {"1": "A note."})}, rels=[("rIdF", "footnotes", "footnotes.xml")])
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = content
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(InputRefused) as refused:
        extract(path)
    assert refused.value.path == str(path) and part in refused.value.reason
