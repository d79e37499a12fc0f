"""Regenerate the generated docs: `python -m audit.docs`.

docs/return-format.md comes from the return schema, docs/guideline-sources.md
from the uk-2017 rule file.
"""

from pathlib import Path

from audit.prescribing.guidelines import sources_markdown
from audit.returns.schema import docs_table

if __name__ == "__main__":
    docs = Path(__file__).resolve().parent.parent / "docs"
    for name, text in (("return-format.md", docs_table()), ("guideline-sources.md", sources_markdown())):
        (docs / name).write_text(text, encoding="utf-8")
        print(f"wrote {docs / name}")
