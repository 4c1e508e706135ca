"""The regenerated whitepaper as one HTML page, rendered from its Markdown (exporters.whitepaper_md).

markdown-it-py renders the Markdown with raw HTML off, so every character of the KB's text is
escaped, whatever it holds; the page declares its language (lang) and encoding, and carries a small
print-friendly style of its own (no external resources: the file is sent as it is).
"""

from __future__ import annotations

import html

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from exporters.whitepaper_md import as_read, wide

_STYLE = """
body { font-family: "Hiragino Sans", "Yu Gothic", "Noto Sans CJK JP", sans-serif; line-height: 1.7;
       max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #444; padding-bottom: .4rem; }
h2 { font-size: 1.3rem; border-bottom: 1px solid #999; margin-top: 2.2rem; }
h3, h4, h5, h6 { font-size: 1.05rem; margin-top: 1.6rem; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: .3rem .6rem; vertical-align: top; }
@media print { body { margin: 0; max-width: none; } h2, h3, h4 { break-after: avoid; } }
""".strip()


def _softbreak(renderer, tokens, idx, options, env) -> str:
    """A line break inside a paragraph between two wide characters is no space in Japanese (the
    Markdown splits a line there to keep the importer from joining it to the next; see
    exporters.whitepaper_md), anywhere else a space, as in a browser."""
    before = tokens[idx - 1].content if idx > 0 else ""
    after = tokens[idx + 1].content if idx + 1 < len(tokens) else ""
    return "" if before and after and wide(before[-1]) and wide(after[0]) else "\n"


def _text(renderer, tokens, idx, options, env) -> str:
    return escapeHtml(as_read(tokens[idx].content))


def markdown_parser() -> MarkdownIt:
    """markdown-it as importers/whitepaper.py configures it, rendering text as that importer reads it."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.add_render_rule("softbreak", _softbreak)
    md.add_render_rule("text", _text)
    return md


def render_html(markdown: str, *, title: str, lang: str) -> str:
    body = markdown_parser().render(markdown)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang, quote=True)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>\n{_STYLE}\n</style>\n"
        "</head>\n"
        "<body>\n"
        f"<main>\n{body}</main>\n"
        "</body>\n"
        "</html>\n"
    )
