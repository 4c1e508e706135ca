"""The evidence vault: audit evidence files kept by content, their text in the search index.

- vault.py: the content-addressed store (sha256) in ``<db>.vault/`` beside the database,
- intake.py: reading the files a user names (no symlinks, size bounds) and adding them,
- media.py, decode.py: what a file is, and how its text is encoded (UTF-8, CP932, UTF-16),
- extract.py with pdf.py, office.py, markup.py: its text, page by page, within bounds.

Like importers/ and exporters/, it uses kb (kb.evidence_store writes the rows), never the
other way; only the CLI imports it.
"""
