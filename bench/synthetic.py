"""Synthetic but realistic-looking KB chunks for the benchmarks.

Chunks recombine sentences and phrases of real whitepapers (the seed in ../shared and
demo/sample_whitepaper.md, read at run time and never stored in the repository) with
words drawn from a Zipf distribution over a security vocabulary plus a long tail of
product names, host names, ticket ids and numbers. The result has the shape of a real
corpus: a few very common terms, many mid-frequency ones and a long tail of rare ones,
rather than 100k copies of the same words.

Everything is driven by one ``random.Random`` seed, so a given (GENERATOR_VERSION,
seed, count) always yields the same chunks.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Bump when the output of ChunkGenerator changes: cached corpora are keyed by it.
GENERATOR_VERSION = 1

JA_WORDS = """
情報セキュリティ 管理策 アクセス制御 認証 多要素認証 パスワード 暗号化 鍵管理 証明書 ログ 監査ログ
監視 脆弱性 パッチ 脆弱性診断 ペネトレーションテスト 侵入検知 ファイアウォール ウイルス対策 マルウェア
バックアップ 復旧 事業継続 災害対策 冗長化 データセンター 入退室管理 物理セキュリティ 監視カメラ
委託先 供給者 サプライチェーン 契約 利用規約 個人情報 機密情報 秘密保持契約 教育 訓練 意識向上
インシデント 障害 報告 エスカレーション 変更管理 構成管理 資産管理 資産目録 ラベル付け 分類
特権アカウント 管理者権限 利用者登録 アカウント削除 権限見直し 棚卸 職務分離 承認 申請 記録
保管期間 廃棄 消去 データ削除 媒体 装置 ネットワーク 仮想化 ハイパーバイザ 仮想マシン コンテナ
ストレージ 分離 セグメント 通信 暗号通信 証跡 時刻同期 容量管理 性能監視 可用性 稼働率 保守
メンテナンス 定期点検 内部監査 外部監査 第三者認証 認証取得 方針 規程 手順書 ガイドライン 責任者
体制 委員会 経営層 リスク評価 リスク対応 是正処置 予防処置 改善 見直し 評価 測定 指標 報告書
顧客 利用者 提供者 事業者 クラウドサービス 基盤 運用 開発 テスト環境 本番環境 リリース 品質
法令 規制 準拠 コンプライアンス 知的財産 ライセンス 著作権 輸出規制 所在地 国内 海外 拠点
問い合わせ 窓口 通知 連絡 公開 開示 提出 同意 要求事項 仕様 設計 実装 検証 運用監視 自動化
""".split()

JA_VERBS = """
実施しています 定めています 管理しています 記録しています 確認しています 見直しています
提供しています 制限しています 監視しています 保管しています 通知します 対応します 分離しています
暗号化しています 削除します 承認を得ています 文書化しています 評価しています
""".split()

EN_WORDS = """
access control authentication encryption key management certificate logging audit trail monitoring
vulnerability patch scanning penetration testing intrusion detection firewall antivirus malware backup
restore continuity disaster recovery redundancy datacenter badge camera vendor supplier contract privacy
confidential training awareness incident outage escalation change configuration asset inventory label
classification privileged account provisioning deprovisioning review segregation approval retention
disposal deletion media device network virtualization hypervisor container storage isolation tls
timestamp capacity availability uptime maintenance internal external certification policy procedure
guideline owner committee risk assessment treatment corrective improvement metric report customer
tenant provider operation development staging production release quality regulation compliance
license export region jurisdiction contact notification disclosure requirement design verification
""".split()

EN_VERBS = "enforce review record monitor restrict encrypt rotate retain approve document verify test".split()

JA_TEMPLATES = [
    "{w1}については、{w2}に基づき{v1}。",
    "当サービスでは{w1}及び{w2}を{v1}。",
    "{w1}の{w2}は年{n}回{v1}。",
    "{w1}に関する{w2}は{n}日以内に{v1}。",
    "{w1}は{tail}を対象として{v1}。",
    "{w1}と{w2}の結果は{w3}に{v1}。",
    "{tail}({id})の{w1}は{w2}担当者が{v1}。",
    "{w1}の詳細は{w2}({id})をご参照ください。",
]

EN_TEMPLATES = [
    "We {ev} {e1} and {e2} every {n} days.",
    "The {e1} {e2} is reviewed by the {e3} owner at least {n} times a year.",
    "{tail} uses {e1} for {e2} ({id}).",
    "Records of {e1} are retained for {n} months.",
]

_KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
_KATAKANA_EXTRA = "ガギグゲゴザジズゼゾダデドバビブベボパピプペポ"
_SENTENCE_RE = re.compile(r"[^。\n]+。?")


@dataclass(frozen=True)
class ChunkSpec:
    kind: str  # 'response' | 'evidence'
    control_id: str | None
    title: str
    body: str
    classification: str
    is_current: bool


def sentences(texts: list[str]) -> list[str]:
    out = []
    for text in texts:
        for m in _SENTENCE_RE.finditer(text):
            s = m.group(0).strip()
            if len(s) >= 8:
                out.append(s)
    return out


class ChunkGenerator:
    def __init__(
        self,
        texts: list[str],
        titles: list[str],
        control_ids: list[str],
        *,
        seed: int = 20240601,
        tail_size: int = 30_000,
    ):
        self.rng = random.Random(seed)
        self.sentences = sentences(texts) or ["本サービスは情報セキュリティ方針に従って運用しています。"]
        self.titles = [t for t in titles if t] or ["情報セキュリティ"]
        self.control_ids = control_ids or ["5.1.1"]
        # Real words take the frequent ranks, pseudo words (names, ids) the long tail.
        head = JA_WORDS + EN_WORDS
        self.rng.shuffle(head)
        self.vocab = vocab = head + [self._pseudo_word() for _ in range(tail_size)]
        # Zipf(s=1.05): rank r has weight 1/r^s; cumulative weights for random.choices.
        self.cum = list(itertools.accumulate(1.0 / (r + 1) ** 1.05 for r in range(len(vocab))))
        self.tail = [self._pseudo_word() for _ in range(2_000)]

    # -- building blocks ---------------------------------------------------------------

    def _pseudo_word(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.55:  # katakana product/feature name
            chars = _KATAKANA + _KATAKANA_EXTRA
            return "".join(rng.choice(chars) for _ in range(rng.randint(3, 6)))
        if kind < 0.6:  # host name
            return f"{rng.choice(['web', 'db', 'app', 'bk', 'log', 'gw'])}-{rng.choice(['prd', 'stg', 'dev'])}-{rng.randint(1, 999):03d}"
        if kind < 0.85:  # English-ish product word
            return "".join(
                rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4))
            )
        return f"{rng.choice(['SEC', 'OPS', 'ISMS', 'DOC'])}{rng.randint(100, 99999)}"

    def words(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=k)

    def _ident(self) -> str:
        rng = self.rng
        return rng.choice(
            [
                f"INC-{rng.randint(1000, 999999)}",
                f"REQ{rng.randint(10000, 99999)}",
                f"EV-{rng.randint(2015, 2025)}-{rng.randint(1, 9999):04d}",
                f"{rng.randint(1, 3000)}件",
                f"{rng.randint(2015, 2025)}年{rng.randint(1, 12)}月",
            ]
        )

    def _ja_sentence(self) -> str:
        rng = self.rng
        w = self.words(3)
        return rng.choice(JA_TEMPLATES).format(
            w1=w[0],
            w2=w[1],
            w3=w[2],
            v1=rng.choice(JA_VERBS),
            n=rng.randint(1, 365),
            id=self._ident(),
            tail=rng.choice(self.tail),
        )

    def _en_sentence(self) -> str:
        rng = self.rng
        e = rng.sample(EN_WORDS, 3)
        return rng.choice(EN_TEMPLATES).format(
            e1=e[0],
            e2=e[1],
            e3=e[2],
            ev=rng.choice(EN_VERBS),
            n=rng.randint(1, 90),
            id=self._ident(),
            tail=rng.choice(self.tail),
        )

    def _real_sentence(self) -> str:
        """A real sentence, often with one phrase swapped for generated words."""
        rng = self.rng
        s = rng.choice(self.sentences)
        if rng.random() < 0.6:
            phrases = s.split("、")
            i = rng.randrange(len(phrases))
            w = self.words(2)
            phrases[i] = f"{w[0]}の{w[1]}" + ("。" if phrases[i].endswith("。") else "")
            s = "、".join(phrases)
        if rng.random() < 0.3:
            s = s.rstrip("。") + f"({self._ident()})。"
        return s

    def _control_id(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(self.control_ids)
        prefix = rng.choice(["", "", "", "CLD.", "A."])
        return f"{prefix}{rng.randint(5, 18)}.{rng.randint(1, 9)}.{rng.randint(1, 12)}"

    # -- chunks ------------------------------------------------------------------------

    def chunk(self) -> ChunkSpec:
        rng = self.rng
        kind = "response" if rng.random() < 0.6 else "evidence"
        parts = []
        for _ in range(rng.choice([1, 2, 2, 3, 3, 4, 5, 6])):
            r = rng.random()
            if r < 0.5:
                parts.append(self._real_sentence())
            elif r < 0.88:
                parts.append(self._ja_sentence())
            else:
                parts.append(self._en_sentence())
        body = "".join(p + (" " if p.isascii() else "") for p in parts).strip()
        if kind == "response":
            control_id = self._control_id() if rng.random() < 0.85 else None
            title = rng.choice(self.titles) if rng.random() < 0.6 else "{}の{}".format(*self.words(2))
        else:
            control_id = None
            w = self.words(2)
            title = rng.choice(
                [
                    f"{w[0]}{w[1]}報告書 {rng.randint(2015, 2025)}年度",
                    f"{self._ident()} {w[0]} 記録",
                    f"{w[0]} {w[1]} evidence {rng.randint(1, 500)}",
                ]
            )
        r = rng.random()
        classification = "public" if r < 0.8 else ("nda" if r < 0.95 else "internal")
        return ChunkSpec(kind, control_id, title, body, classification, rng.random() >= 0.05)

    def chunks(self, n: int) -> Iterator[ChunkSpec]:
        for _ in range(n):
            yield self.chunk()


def from_documents(docs) -> ChunkGenerator:
    """A generator seeded with the sections of parsed documents (kb.model.ParsedDocument)."""
    texts, titles, ids = [], [], []
    for doc in docs:
        for section in doc.sections:
            texts.append(section.text)
            titles.append(section.title)
            if section.control_id:
                ids.append(section.control_id)
    return ChunkGenerator(texts, titles, sorted(set(ids)))
