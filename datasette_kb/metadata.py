"""What Datasette shows of a KB: titles and descriptions in Japanese and English, hidden
internals, label columns, sort orders and facets, for the tables a KB has.

Given through the plugin's get_metadata hook, so any Datasette that serves a KB with
the plugin installed (`kb serve`, or `datasette -i copy.db` on another host) shows the
same; a metadata file of the host's own still wins, as Datasette merges it last.
Only tables present in the served file are described (an older KB has no evidence tables).
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from datasette.utils import tilde_encode


class Table(NamedTuple):
    title: str  # 日本語 / English
    description: str
    columns: dict[str, str]
    label_column: str | None = None
    sort: str | None = None
    sort_desc: str | None = None
    facets: tuple[str, ...] = ()
    hidden: bool = False


_CLASSIFICATION = "公開区分（public / nda / internal）/ classification: who may see the row"
_CURRENT = "現行版なら 1、過去版なら 0 / 1 for the current version, 0 for history"

TABLES: dict[str, Table] = {
    "documents": Table(
        "文書 / Documents",
        "取り込んだホワイトペーパー・約款・チェックシート。版ごとに 1 行 / Imported whitepapers, "
        "terms of service and check sheets, one row per version.",
        {
            "kind": "文書の種類 / kind of document",
            "series": "同じ文書の版をまとめる名前 / name shared by the versions of one document",
            "title": "表題 / title",
            "publisher": "発行者 / publisher",
            "version": "版 / version",
            "date": "発行日 / date of issue",
            "service": "対象サービス / service covered",
            "sha256": "取り込んだファイルの SHA-256 / SHA-256 of the imported file",
            "source_name": "取り込んだファイル名 / file name imported",
            "classification": _CLASSIFICATION,
            "is_current": _CURRENT,
            "imported_at": "取り込み日時 / imported at",
            "lang": "言語 / language (ja, en)",
        },
        label_column="title",
        sort_desc="date",
        facets=("kind", "service", "classification", "lang"),
    ),
    "responses": Table(
        "管理策への回答 / Control responses",
        "ISO/IEC 27001/27017 の管理策ごとの当社の取り組み。約款の条項は「条項参照」、版の履歴は"
        "「改訂履歴」から / What the provider does for each ISO/IEC 27001/27017 control; the terms "
        "of service it cites are in clause references, its history in revisions.",
        {
            "document_id": "出典の文書 / the document it comes from",
            "control_ref": "管理策 / the control",
            "control_id": "管理策番号（例 12.6.1, CLD.9.5.1）/ control id",
            "title": "見出し / heading",
            "section_path": "文書中の位置 / where in the document",
            "text": "回答本文 / the response",
            "service": "対象サービス / service",
            "position": "文書中の順番 / order in the document",
            "classification": _CLASSIFICATION,
            "is_current": _CURRENT,
            "control_family": "管理策の分野（ISO/IEC 27002 の箇条、例 12 = 運用のセキュリティ）/ control family "
            "(the ISO/IEC 27002 clause, e.g. 12 = operations security)",
        },
        label_column="title",
        sort="position",
        facets=("control_family", "service", "classification", "is_current", "document_id"),
    ),
    "clause_refs": Table(
        "条項参照 / Clause references",
        "回答が根拠として挙げる約款の条項（例 利用約款 第30条）/ Terms-of-service clauses a response cites.",
        {
            "response_id": "引用している回答 / the citing response",
            "document": "約款の名前 / the contract document",
            "article": "条番号 / article number (第N条)",
            "title": "条の見出し / the article's heading",
        },
        label_column="title",
        sort="article",
        facets=("document", "article"),
    ),
    "doc_refs": Table(
        "参照文書 / Document references",
        "回答が参照する規程・URL / Policies and pages a response refers to.",
        {"response_id": "参照している回答 / the response", "name": "文書名・URL / document name or URL"},
        label_column="name",
        facets=("name",),
    ),
    "revisions": Table(
        "改訂履歴 / Revisions",
        "文書の版ごとの改訂内容と、変わった管理策 / Each version of a document, what changed and which controls.",
        {
            "document_id": "文書 / document",
            "version": "版 / version",
            "date": "改訂日 / date",
            "changed": "改訂された管理策番号（JSON 配列）/ control ids changed (JSON list)",
            "note": "改訂内容 / what changed",
        },
        label_column="version",
        sort_desc="date",
        facets=("document_id",),
    ),
    "qa_pairs": Table(
        "回答ライブラリ / Answer library",
        "記入済みチェックシートから取り込んだ質問と回答 / Questions and answers harvested from answered check sheets.",
        {
            "document_id": "取り込んだシート / the sheet it came from",
            "question": "質問 / question",
            "question_key": "照合用に正規化した質問 / the question normalised for matching",
            "number": "設問番号 / item number",
            "choice": "選択肢の回答 / the choice answered",
            "answer_text": "回答文 / answer text",
            "customer": "顧客 / customer",
            "answered_on": "回答日 / answered on",
            "classification": _CLASSIFICATION,
            "is_current": _CURRENT,
            "status": "下書き draft / 承認済み approved",
        },
        label_column="question",
        sort_desc="answered_on",
        facets=("status", "customer", "classification", "document_id"),
    ),
    "chunks": Table(
        "検索の単位 / Search chunks",
        "検索対象の全テキスト（回答・条項・証跡・回答ライブラリ）。順位付きの検索は /-/kb-search / Every "
        "searchable text (responses, clauses, evidence, answers); ranked search is at /-/kb-search.",
        {
            "kind": "種類 / kind (response, clause, evidence, qa)",
            "source_id": "元の行の id（kind の表）/ id of the source row in the kind's table",
            "control_id": "管理策番号 / control id",
            "title": "見出し / title",
            "body": "本文 / text",
            "classification": _CLASSIFICATION,
            "is_current": _CURRENT,
        },
        label_column="title",
        # One facet: each is a query over every matching row of a search, and this is the
        # table of all chunks (on 100k chunks three facets were 85% of a search page's time).
        facets=("kind",),
    ),
    "frameworks": Table(
        "規格 / Frameworks",
        "管理策の出典の規格 / The standards the controls come from.",
        {"name": "規格名 / framework"},
        label_column="name",
    ),
    "controls": Table(
        "管理策 / Controls",
        "規格ごとの管理策 / The controls of each framework.",
        {
            "framework_id": "規格 / framework",
            "control_id": "管理策番号 / control id",
            "title": "管理策名 / control title",
        },
        label_column="title",
        sort="id",
        facets=("framework_id",),
    ),
    "profile": Table(
        "事業者情報 / Provider profile",
        "チェックシートが尋ねる事業者の名称・所在地・連絡先 / Identity fields questionnaires ask for.",
        {"key": "項目 / field", "lang": "言語（空はすべて）/ language ('' for any)", "value": "値 / value"},
        facets=("lang",),
    ),
    "fills": Table(
        "記入の記録 / Sheets filled",
        "kb fill が記入したチェックシートと提出先（社内版のみ）/ Check sheets kb fill wrote, for which "
        "customer and audience (internal copies only).",
        {
            "output_sha256": "出力ファイルの SHA-256 / SHA-256 of the output",
            "input_name": "顧客のシート / the customer's sheet",
            "output_name": "出力ファイル / output file",
            "customer": "顧客 / customer",
            "audience": "開示範囲 / audience",
            "questions": "設問数 / questions",
            "answered": "自動回答数 / answered automatically",
            "created_at": "記入日時 / filled at",
            "kind": "fill（kb fill の記入）または apply（kb apply の最終版）/ fill, or apply (the final workbook)",
            "actor": "送付した人（監査ログの実行者）/ who sent it (the audit log's actor)",
            "source_fill": "apply が仕上げた記入 / the fill an apply finalised",
        },
        label_column="output_name",
        sort_desc="created_at",
        facets=("customer", "audience", "kind"),
    ),
    "fill_rows": Table(
        "記入した行 / Rows filled",
        "kb fill が各行に書いた内容 / What kb fill wrote into each row.",
        {
            "fill_id": "記入 / the fill",
            "sheet": "シート / sheet",
            "row": "行 / row",
            "question_key": "質問 / question",
            "choice": "選択肢 / choice",
            "text": "回答文 / text",
            "status": "行の状態（answered など、apply では判断）/ the row's status (an apply: the decision)",
            "source_kind": "回答の出所（response, qa, clause, profile, previous, sheet, person）/ where the answer came from",
            "source_id": "出所の行（responses.id など）/ the source's row (responses.id, qa_pairs.id, clauses.id)",
            "control_id": "管理策番号 / control id",
            "source_sha256": "送った版の本文の SHA-256 / SHA-256 of the version's text sent",
            "text_sha256": "セルに書いた内容の SHA-256 / SHA-256 of what the cells hold",
            "clauses": "引用した約款の条項（契約・版・条）/ contract clauses cited (contract, version, article)",
            "evidence": "裏付けの証跡（id と SHA-256）/ evidence behind it (id and SHA-256)",
        },
        facets=("fill_id", "sheet", "source_kind"),
    ),
    "audit_log": Table(
        "監査ログ / Audit log",
        "KB へのすべての変更。各行は前の行のハッシュを含み、改ざんは kb log --verify で分かる（社内版のみ）/ "
        "Every change to the KB, each entry chained to the one before by hash: kb log --verify finds "
        "tampering (internal copies only).",
        {
            "at": "日時（UTC）/ time (UTC)",
            "actor": "実行者 / actor",
            "action": "操作 / action",
            "target_kind": "対象の種類 / target kind",
            "target_id": "対象 / target",
            "before_sha256": "変更前の内容の SHA-256 / SHA-256 of the content before",
            "after_sha256": "変更後の内容の SHA-256 / SHA-256 of the content after",
            "detail": "詳細 / detail",
            "prev_hash": "前の行のハッシュ / hash of the entry before",
            "hash": "この行のハッシュ / this entry's hash",
        },
        sort_desc="id",
        facets=("actor", "action", "target_kind"),
    ),
    "evidence_files": Table(
        "証跡ファイル / Evidence files",
        "監査証跡のファイル（内容の SHA-256 で保管）と有効期間 / Evidence files, kept by SHA-256, "
        "with their period of validity.",
        {
            "sha256": "内容の SHA-256 / SHA-256 of the content",
            "size": "バイト数 / size in bytes",
            "media_type": "形式 / media type",
            "original_name": "元のファイル名 / original file name",
            "title": "表題 / title",
            "owner": "管理者 / owner",
            "classification": _CLASSIFICATION,
            "valid_from": "有効期間の開始 / valid from",
            "valid_until": "有効期限 / valid until",
            "text_status": "本文の読み取り結果 / how reading its text went",
            "text_note": "読み取りの注記 / note on reading",
            "added_at": "登録日時 / added at",
        },
        label_column="title",
        sort="valid_until",
        facets=("media_type", "classification", "owner", "text_status"),
    ),
    "evidence_pages": Table(
        "証跡のページ / Evidence pages",
        "証跡ファイルの本文をページごとに検索の単位にしたもの / An evidence file's text, page by page.",
        {"evidence_id": "証跡ファイル / evidence file", "page": "ページ / page"},
        facets=("evidence_id",),
    ),
    "evidence_links": Table(
        "証跡と管理策 / Evidence for controls",
        "証跡ファイルが裏付ける管理策 / The controls each evidence file backs up.",
        {
            "evidence_id": "証跡ファイル / evidence file",
            "control_id": "管理策番号 / control id",
            "linked_at": "関連付けた日時 / linked at",
        },
        sort="control_id",
        facets=("control_id", "evidence_id"),
    ),
    "contracts": Table(
        "約款 / Contracts",
        "取り込んだ約款（利用約款など）。版は「約款の版」/ Contracts imported (terms of service); "
        "their versions are in contract versions.",
        {
            "name": "約款名 / contract name",
            "name_key": "照合用の名前 / the name normalised for matching",
            "created_at": "登録日時 / added at",
        },
        label_column="name",
    ),
    "contract_versions": Table(
        "約款の版 / Contract versions",
        "約款の版ごとの施行日と出典 / Each version of a contract, its effective date and source.",
        {
            "contract_id": "約款 / contract",
            "version": "版 / version",
            "title": "表題 / title",
            "effective": "施行日 / effective from",
            "sha256": "取り込んだファイルの SHA-256 / SHA-256 of the imported file",
            "source_name": "取り込んだファイル名 / file name imported",
            "publisher": "発行者 / publisher",
            "classification": _CLASSIFICATION,
            "supplementary": "附則 / supplementary provisions",
            "encoding": "文字コード / text encoding",
            "is_current": _CURRENT,
            "imported_at": "取り込み日時 / imported at",
            "lang": "言語（条の表記: 第N条 / Article N）/ language (ja, en): how its articles are cited",
        },
        label_column="version",
        sort_desc="effective",
        facets=("contract_id", "classification", "is_current", "lang"),
    ),
    "clauses": Table(
        "約款の条項 / Contract clauses",
        "約款の条（第N条）ごとの本文。回答が引用する条は「条項参照」から / Each article of a contract "
        "version; the responses citing one are found through clause references.",
        {
            "version_id": "約款の版 / contract version",
            "article": "条番号 / article (第N条)",
            "branch": "枝番（第N条の2 なら 2）/ branch number (第N条の2: 2)",
            "title": "条の見出し / heading",
            "chapter": "章 / chapter",
            "text": "条文 / text",
            "paragraphs": "項（JSON 配列）/ paragraphs (JSON list)",
            "position": "約款中の順番 / order in the contract",
            "classification": _CLASSIFICATION,
            "is_current": _CURRENT,
        },
        label_column="title",
        sort="position",
        facets=("version_id", "chapter", "is_current", "classification"),
    ),
    "clause_changes": Table(
        "条項の改定 / Clause changes",
        "約款の版が前の版から変えた条（追加・削除・本文・見出し）/ What a contract version changed per article.",
        {
            "version_id": "約款の版 / contract version",
            "article": "条番号 / article",
            "branch": "枝番 / branch",
            "change": "変更の種類 / kind of change",
            "old_title": "旧見出し / old heading",
            "new_title": "新見出し / new heading",
        },
        sort="article",
        facets=("version_id", "change"),
    ),
    # Internals: kept in the copy (search needs them), not for browsing.
    "kb_meta": Table(
        "KB の情報 / KB facts", "索引を作った解析器の版など / e.g. the analyzer version.", {}, hidden=True
    ),
    "glossary": Table(
        "用語集の追加分 / Glossary additions",
        "kb glossary add で加えた同義語 / Synonym groups added with kb glossary add.",
        {"terms": "同義語（JSON）/ synonyms", "added_at": "追加日時 / added at"},
    ),
}
# Columns only the index reads (analysed terms): never shown on table pages (see
# hidden_columns in the plugin).
HIDDEN_COLUMNS: dict[str, tuple[str, ...]] = {"chunks": ("title_terms", "body_terms")}
# The KB's own FTS tables: Datasette hides their shadow tables, not these.
HIDDEN_TABLES = ("chunks_fts", "chunks_trigram", "chunks_vocab")


def database_metadata(database: str, tables: set[str], audience: str | None) -> dict:
    """Datasette metadata for the KB database named ``database``, with these tables."""
    described = {}
    for name, table in TABLES.items():
        if name not in tables:
            continue
        entry: dict = {"title": table.title, "description": table.description}
        columns = {c: text for c, text in table.columns.items()}
        if columns:
            entry["columns"] = columns
        for key in ("label_column", "sort", "sort_desc"):
            if getattr(table, key):
                entry[key] = getattr(table, key)
        if table.facets:
            entry["facets"] = list(table.facets)
        if table.hidden:
            entry["hidden"] = True
        described[name] = entry
    for name in HIDDEN_TABLES:
        if name in tables:
            described[name] = {"hidden": True}
    # Datasette's database page lists tables by name: the description lists them by title.
    contents = "".join(
        f'<li><a href="/{tilde_encode(database)}/{tilde_encode(name)}">{escape(table.title)}</a>'
        f" — {escape(table.description)}</li>"
        for name, table in TABLES.items()
        if name in tables and not table.hidden
    )
    seen = f"（公開範囲 {audience} の写し / the copy for audience {audience}）" if audience else ""
    return {
        "title": "監査証跡ナレッジベース / Audit evidence knowledge base",
        "description_html": (
            f"<p>管理策への回答、約款の条項、証跡、回答ライブラリ{seen}。"
            '<a href="/-/kb-search">順位付きの検索（日本語・英語）</a> は <code>kb search</code> と同じ結果です。'
            "</p><p>Control responses, contract clauses, evidence and the answer library. "
            '<a href="/-/kb-search">Ranked search (Japanese or English)</a> gives what <code>kb search</code> gives.</p>'
            f"<ul>{contents}</ul>"
        ),
        "tables": described,
    }
