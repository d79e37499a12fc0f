"""Regenerate docs/return-format.md from the schema: `python -m audit.docs`."""

from pathlib import Path

from audit.schema import docs_table

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "return-format.md"
    target.write_text(docs_table(), encoding="utf-8")
    print(f"wrote {target}")
