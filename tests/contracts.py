"""Contracts for tests, written for this project (fictional wording).

SEED_CONTRACT is a 利用約款 under the name the seed whitepaper cites, with the eight articles it
cites under the titles it cites them by (第20, 27, 30, 34, 44, 46, 47 and 51条); SEED_CONTRACT_OFF
is the same contract as it might have been revised without the whitepaper following: 第30条 is
now 料金, 第44条 is titled differently, and 第47条 is gone.
"""

from __future__ import annotations

SEED_DOCUMENT = "BroadCenter クラウドプラットフォームサービス利用約款"

SEED_CONTRACT = """# BroadCenter クラウドプラットフォームサービス利用約款

2022 年 4 月 1 日 制定

## 第1条（約款の適用）

1. この約款は、当社が提供するクラウドプラットフォームサービス（以下「本サービス」といいます。）の利用条件を定めます。

## 第20条（情報の取り扱い）

1. 当社は、本サービスの運用で知り得た契約者の情報を、本サービスの提供以外の目的に用いません。
2. 当社は、法令に基づき権限を有する機関から適法な手続により要請を受けたときは、その範囲で情報を開示することがあります。

## 第27条（本サービスの目的）

1. 本サービスは、契約者が仮想マシンを用いて自らのシステムを構築し運用するための基盤を提供することを目的とします。
2. 当社は基盤の運用に責任を負い、契約者は仮想マシン上のシステムの運用に責任を負います。

## 第30条（提供場所）

1. 当社は、本サービスを日本国内に所在する当社の設備から提供します。
2. 契約者のデータを保存する設備の所在国は日本国とします。

## 第34条（本サービスの適正な利用）

1. 契約者は、本サービスを法令およびこの約款に従って利用するものとします。
2. 契約者は、次の各号に該当する行為をしてはなりません。
   (1) 他の契約者の利用を妨げる行為
   (2) 当社の設備に不正にアクセスする行為

## 第44条（個人情報保護）

1. 当社は、契約者の個人情報を、当社の個人情報保護方針に従って取り扱います。

## 第46条（契約者のデータの権利）

1. 契約者が本サービスに保存したデータの権利は契約者に帰属します。

## 第47条（契約者への通知等）

1. 当社から契約者への通知は、当社のウェブサイトへの掲載または電子メールにより行います。
2. 当社は、契約者に影響のある変更およびメンテナンスを、原則として実施の 7 日前までに通知します。

## 第51条（準拠法）

1. この約款は日本法に準拠し、日本法に従って解釈されます。

## 第52条（管轄裁判所）

1. この約款に関する紛争は、東京地方裁判所を第一審の専属的合意管轄裁判所とします。
"""

# Revised, the whitepaper not: three of its eight citations no longer hold.
SEED_CONTRACT_OFF = (
    SEED_CONTRACT.replace("## 第30条（提供場所）", "## 第30条（料金）")
    .replace(
        "1. 当社は、本サービスを日本国内に所在する当社の設備から提供します。\n"
        "2. 契約者のデータを保存する設備の所在国は日本国とします。",
        "1. 本サービスの料金は、当社が別に定める料金表のとおりとします。",
    )
    .replace("## 第44条（個人情報保護）", "## 第44条（個人情報の保護）")
    .replace(
        "## 第47条（契約者への通知等）\n\n"
        "1. 当社から契約者への通知は、当社のウェブサイトへの掲載または電子メールにより行います。\n"
        "2. 当社は、契約者に影響のある変更およびメンテナンスを、原則として実施の 7 日前までに通知します。\n\n",
        "",
    )
)
# The replacements all took:
assert "第30条（料金）" in SEED_CONTRACT_OFF and "個人情報の保護" in SEED_CONTRACT_OFF
assert "第47条" not in SEED_CONTRACT_OFF and "設備の所在国" not in SEED_CONTRACT_OFF
