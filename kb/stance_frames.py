"""What a yes/no question asks, beyond its words: rules that turn or withhold a clause's polarity.

Each rule is stated in general and holds in Japanese and English (questions are often
English, the KB's text Japanese, so each lexicon has both):

* **Negative questions** (「〜していませんか」, "Don't you …?", "Isn't …?") have no agreed
  convention for yes and no (はい may confirm the negation): no stance.
* **A bad practice asked about** ("hard-coded passwords", "shared accounts", "default
  credentials", 「初期パスワード」): only a clause naming that practice answers, and only
  its denial is safe ("hard-coded passwords are not used" → no). A clause affirming a
  good practice next to it says nothing about the bad one.
* **A denied safeguard** ("without encryption", "unencrypted", "in plain text",
  「暗号化せずに」, 「通知なしに」): the question's polarity is the opposite of the
  clause's about that safeguard, and only a clause naming the safeguard answers. Any
  other negation in the question ("without a warrant") leaves it undecided.
* **A prevention asked about** ("restrict", "prevent", "protected against", 「制限」
  「保護」「防止」): a clause denying the harmful event itself ("others cannot access",
  「回避できるプログラムは提供していません」) affirms the prevention; a clause denying the
  measure (「認証を行っていません」) denies it.
* **A party asked about** (third parties, subcontractors; the provider's staff, developers,
  consultants): only a clause naming such a party answers ("we built it in our own data
  centre" does not say whether a third party hosts the data; "remote access is offered"
  does not say whether employees access customer systems).
* **The customer's part** (「お客様にて実施してください」「お客様に行っていただきます」
  「お客様の責任で」, "customers are responsible for", "the customer must"): a clause that
  gives the act to the customer says what the customer does, not whether the provider does
  it, so it answers only a question about the customer's part ("Are customers responsible
  for …?", 「お客様が…する必要がありますか」).
* **Who does it** ("customer-managed keys", "managed by the customer", 「お客様が管理」): a
  clause that gives the act to the provider ("keys are managed by the Company", 「当社が管理
  しており」) says who does it, and it is not the one asked about: it does not answer. (That
  the customer then does not is an inference from exclusive roles, left to another clause or
  to a person.)
* **Contrary attributes** (free / paid, 無料 / 有償; mandatory / optional, 必須 / 任意): a clause
  affirming the contrary of the attribute asked says no ("the paid automatic backup" →
  「自動バックアップは無料ですか」 is no); about a price, only a clause naming either answers.
* **The occasion asked about** (「解約後、…」, "upon termination"): a sentence set in an occasion of
  its own (「仮想マシンを削除すると」, "when a customer deletes …") that does not name the one asked
  about speaks of another occasion: it does not answer.
* **A place asked about** ("stored in China?", "outside Japan?", 「海外に保存」): a
  restriction in the response — "only in X", 「X のみ」「X に限る」「X 以外には…ない」,
  or a specificational sentence 「保存する国は、X となります」 (the countries are X: all
  of them) — answers for every place: a place inside X is yes, a place outside X is
  no, "outside X" is no. Without a restriction, only a clause naming the place answers.
  「海外」「国外」 in a Japanese question mean outside Japan; "offshore" and "abroad"
  depend on whose country, and a place the question does not name ("within the
  customer's region", 「指定の国」) is unknown: both are left undecided.

Exceptions the question carves out ("…, unless the law prohibits it", 「…を除き」) are
dropped before the frame is read: their negations are not the question's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from kb.analysis import normalize


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


# Exceptions and conditions carved out of the question ("…, unless …", 「（…を除き）」, "when it is
# no longer required,") and examples in brackets: their negations are not the question's.
_EXCEPTION = _rx(
    r"[（(][^）)]*(除き|除いて|除く|unless|except|e\.g\.|i\.e\.|例)[^）)]*[）)]|\[[^\]]*\]"
    r"|[,、]?\s*\b(unless|except (?:where|when|if|as))\b.*$"
    r"|\b(when|if|once|after|before|until|whenever)\b[^,?]*(,|(?=\?))"
    r"|[^、。]*(場合|とき)を除(き|いて)、?"
)
_NEGATIVE_QUESTION = _rx(
    r"(ませんか|ないですか|ないでしょうか|ありませんか)\s*[。？?]?\s*$"
    r"|^\s*(don't|doesn't|isn't|aren't|won't|can't|cannot|haven't|hasn't|didn't|wouldn't|shouldn't)\b"
)

BAD_PRACTICES: dict[str, re.Pattern] = {
    "hard-coded credentials": _rx(
        r"hard[- ]?coded|embedded (credential|password)|ハードコード|埋め込(み|まれ|ん)"
    ),
    "shared accounts": _rx(
        r"shared (accounts?|credentials?|passwords?|ids?|logins?)|generic (accounts?|ids?)|group accounts?"
        r"|共有(アカウント|ID|ＩＤ|パスワード)|共用(アカウント|ID|ＩＤ)|(アカウント|ID|パスワード)を(共有|共用)"
    ),
    "default credentials": _rx(
        r"default (passwords?|credentials?|accounts?)|vendor[- ]supplied defaults?|(初期|デフォルト)(パスワード|アカウント)"
    ),
    "backdoors": _rx(r"back ?doors?|バックドア"),
    "unsupported software": _rx(
        r"end[- ]of[- ](life|support)|unsupported (software|systems?|versions?)|サポート(切れ|終了)"
    ),
}

SAFEGUARDS: dict[str, re.Pattern] = {
    "encryption": _rx(r"encrypt|cryptograph|\bTLS\b|\bSSL\b|暗号"),
    "authentication": _rx(r"authenticat|\bMFA\b|multi-factor|two-factor|\b2FA\b|認証"),
    "consent": _rx(r"consent|同意"),
    "notification": _rx(r"notif|notice|\binform|通知|連絡|知らせ"),
    "approval": _rx(r"approv|承認|許可"),
}
# A question that denies a safeguard: "without encryption", "unencrypted", 「暗号化せずに」.
_DENIED = {
    "encryption": _rx(
        r"\bwithout\s+(\w+\s+){0,2}encrypt\w*|\bunencrypted\b|\bnot\s+(be\s+)?encrypted\b|plain[- ]?text|clear[- ]?text"
        r"|in the clear|暗号化(を|が)?(せず|しない|しておらず|されず|されていない|されない|なし|無し|なく)|平文"
    ),
    "authentication": _rx(
        r"\bwithout\s+(\w+\s+){0,2}(authenticat\w*|MFA|logging in)|\bunauthenticated\b|\bnot\s+(be\s+)?authenticated\b"
        r"|認証(を|が)?(せず|しない|されず|なし|無し|なく|不要)"
    ),
    "consent": _rx(r"\bwithout\s+(\w+\s+){0,2}consent|同意(を|が)?(得ず|得ない|得ることなく|なし|無し|なく)"),
    "notification": _rx(
        r"\bwithout\s+(\w+\s+){0,2}(notif\w*|notice|informing)|通知(を|が)?(せず|しない|なし|無し|なく|することなく)"
    ),
    "approval": _rx(
        r"\bwithout\s+(\w+\s+){0,2}approv\w*|\bunapproved\b|承認(を|が)?(得ず|せず|なし|無し|なく)"
    ),
}
# Any other negation in a question: its relation to the clause is unknown.
_QUESTION_NEGATION = _rx(
    r"\b(not|never|without|no longer)\b|n't\b|(せず|しない|されない|されず|ない(まま|で|状態)|なしで|なしに|無しで|ことなく)"
)

_PREVENTION = _rx(
    r"\b(restrict\w*|limit\w*|prevent\w*|protect\w*\s+(against|from)|block\w*|prohibit\w*|forbid\w*|isolat\w*"
    r"|separat\w*|segregat\w*|safeguard\w*\s+against)|制限|防止|防(ぐ|い|げ)|保護|禁止|阻止|遮断|分離|隔離|抑止|限定"
)
# Events a prevention is about, and the measures that prevent them.
_HARM = _rx(
    r"\b(access\w*|bypass\w*|circumvent\w*|overrid\w*|leak\w*|extract\w*|retriev\w*|tamper\w*|intru\w*|read|view\w*)"
    r"|アクセス|回避|取り出|漏え|漏洩|閲覧|侵入|改ざん|改竄|参照|持ち出|盗"
)
_MEASURE = _rx(
    r"\b(restrict\w*|limit\w*|prevent\w*|protect\w*|encrypt\w*|authenticat\w*|monitor\w*|control\w*|separat\w*"
    r"|isolat\w*)|制限|防止|保護|暗号|認証|監視|分離|隔離|管理|制御|限定"
)

_ONLY = _rx(r"\b(only|exclusively|solely)\b|のみ|だけ|に限(る|り|ら|定)|限定")

PARTIES: dict[str, re.Pattern] = {
    "staff": _rx(
        r"\b(employees?|staff|personnel|workforce|developers?|consultants?|engineers?|administrators? of)\b"
        r"|従業員|社員|職員|担当者|要員|スタッフ|開発者|技術者"
    ),
    "third parties": _rx(
        r"third[- ]part|subcontract|sub-?processor|outsourc|第三者|委託|ピア|外部(の)?(事業者|業者|サービス)"
    ),
}

# The act given to the customer: the benefactive 〜ていただく after お客様に/で, お客様にて,
# お客様の責任, "customers are responsible", "the customer must/should". お客様に alone is often the
# recipient (「お客様に通知します」), so it counts only with the benefactive.
CUSTOMER_PART = _rx(
    r"(お客様|利用者|契約者)(ご自身)?(にて|側で|ご自身で|の(責任|責務|負担|管理)(で|において|と|です|範囲)"
    r"|[にで][^、。]{0,40}(ていただ|でいただ|いただ|ください))"
    r"|\b(customers?|tenants?|users?|you)\b(?:'s?)?\s+(are|is)\s+(solely\s+)?responsible\b"
    r"|\bresponsibility of (the )?(customers?|tenants?|users?)\b|\b(customers?|tenants?)'s? responsibilit"
    r"|\b(the )?(customers?|tenants?)\s+(must|should|need to|needs to|is required to|are required to)\b"
)

# The customer named as who does the act asked about: "customer-managed keys", "managed by the
# customer", "can customers bring their own keys", 「お客様が管理」「顧客管理の」.
_ACTS_EN = r"(manag|suppl|provid|own|control|held|hold|generat|defin|bring|brought|rotat|creat|stor)\w*"
_CUSTOMER_AGENT = _rx(
    rf"\b(customers?|clients?|tenants?|users?)[- ]{_ACTS_EN}"
    r"|\bby (the )?(customers?|clients?|tenants?|users?)\b"
    rf"|\b(can|do|does|may|must)\s+(the\s+)?(customers?|clients?|tenants?|users?)\s+{_ACTS_EN}"
    r"|(お客様|顧客|利用者|契約者)(が|側で|自身で|ご自身で|自ら|にて)[^、。？?]{0,12}(管理|用意|生成|保有|設定|持ち込|作成|保管|更新)"
    r"|(顧客|利用者|お客様)(管理|所有|保有|指定|持ち込み)の"
)
# A clause that gives the act to the provider: "managed by the Company", 「当社が管理しており」.
_PROVIDER_AGENT = _rx(
    rf"\b{_ACTS_EN}\s+by\s+(the\s+)?(company|provider|vendor|us)\b"
    r"|(当社|弊社|事業者)(が|で|にて|において|の責任で)[^、。]{0,20}(管理|用意|生成|保有|設定|運用|保管|更新)"
)


# Attributes that exclude each other, each side in both languages: a clause affirming the other
# side of the one asked says no (「無料ですか」 and 「有償オプション」; "Is MFA mandatory?" and "MFA is
# optional"). A price is said in so many words, so for it only a clause naming either side
# answers; "mandatory for all employees" is often said as "all employees receive", so there any
# clause may still answer.
class Contrary(NamedTuple):
    one: re.Pattern
    other: re.Pattern
    named: bool  # only a clause naming one side answers


CONTRARIES: tuple[Contrary, ...] = (
    Contrary(
        _rx(
            r"無料|無償|\bfree of charge\b|\bat no (extra |additional )?(cost|charge)\b|\bno (extra |additional )?charge\b"
        ),
        _rx(r"有料|有償|\bpaid\b|\bfor a fee\b|\b(extra|additional) (cost|charge|fee)s?\b|\bcharged\b"),
        named=True,
    ),
    Contrary(
        _rx(r"必須|義務付け|\bmandatory\b|\bcompulsory\b|\bobligatory\b"),
        _rx(r"任意|選択制|\boptional\b|\bopt-in\b"),
        named=False,
    ),
)


def _contrary_of(question: str) -> tuple[re.Pattern, re.Pattern, bool] | None:
    """(the side the question names, the other, only a clause naming one answers), or None."""
    for c in CONTRARIES:
        for asked, opposite in ((c.one, c.other), (c.other, c.one)):
            if asked.search(question) and not opposite.search(question):
                return asked, opposite, c.named
    return None


# The occasion a question is set in, fronted: 「解約後、」「障害発生時に、」, "upon termination",
# "after the contract ends", "in the event of a breach": the words that name it.
_OCCASION_JA = _rx(
    r"^\s*([^、。]{1,15}?)(?:した後|したとき|した場合|の後|の際|の場合|後|時)(?:に|は|には|で)?[、,]"
)
_OCCASION_EN = _rx(r"\b(?:upon|after|following|in the event of)\s+(?:the\s+|a\s+|an\s+)?([a-z][\w-]*)")
# A sentence set in an occasion of its own: 「仮想マシンを削除すると」「障害が発生した場合は」, "when …".
OCCASIONED = _rx(
    r"すると|したら|した場合|する場合|したとき|するとき|の場合|場合[はに、]|とき[はに、]|際[はに、]"
    r"|\b(when|whenever|if|once|upon|after)\b"
)


def occasion_words(question: str) -> list[str]:
    """The words naming the occasion ``question`` is set in (解約, termination), or none."""
    q = normalize(question)
    return [m.group(1) for rx in (_OCCASION_JA, _OCCASION_EN) for m in rx.finditer(q)]


# A question about the customer's own part: "Are customers responsible …?", 「お客様が…必要がありますか」.
_CUSTOMER_ASKED = _rx(
    r"\b(are|is|do|does|must|should)\s+(the\s+)?(customers?|tenants?|users?)\b"
    r"|(お客様|利用者|契約者)(が|側|自身)"
)

_EXISTENCE = _rx(
    r"存在し|存在せず|(い|おり|あり)ません|\bthere (are|is) no\b|\bno\b.*\bexists?\b|\bdo(es)? not exist"
)
# Pairs of states a safeguard can be asked about separately: data at rest and in transit.
_AT_REST = _rx(
    r"at[- ]rest|\bin storage\b|\bstored\b|\bdisks?\b|保存(時|データ|され)|保管(時|データ)|ストレージ|ディスク"
)
_IN_TRANSIT = _rx(r"in transit|in transport|in motion|transmi|\bTLS\b|\bSSL\b|\bVPN\b|通信|転送|伝送|送信")
_CONTRASTS = ((_AT_REST, _IN_TRANSIT), (_IN_TRANSIT, _AT_REST))

# --- places --------------------------------------------------------------------------

PLACES: dict[str, re.Pattern] = {
    "JP": _rx(r"\bjapan\w*|日本|国内"),
    "CN": _rx(r"\bchina\b|\bPRC\b|中国|中華人民共和国"),
    "US": _rx(r"united states|\bU\.?S\.?A?\b(?!\w)|\bamerica\b|米国|アメリカ"),
    "EU": _rx(r"european union|\bEU\b|\bEEA\b|\beurope\b|欧州"),
    "UK": _rx(r"united kingdom|\bUK\b|britain|英国|イギリス"),
    "RU": _rx(r"\brussia\b|ロシア"),
    "IN": _rx(r"\bindia\b|インド"),
    "KR": _rx(r"\bkorea\b|韓国"),
    "SG": _rx(r"\bsingapore\b|シンガポール"),
    "AU": _rx(r"\baustralia\b|オーストラリア|豪州"),
    "CA": _rx(r"\bcanada\b|カナダ"),
    "HK": _rx(r"hong kong|香港"),
    "TW": _rx(r"\btaiwan\b|台湾"),
    "DE": _rx(r"\bgermany\b|ドイツ"),
    "FR": _rx(r"\bfrance\b|フランス"),
    "IE": _rx(r"\bireland\b|アイルランド"),
}
_WITHIN = {"EU": {"DE", "FR", "IE"}}
_STORAGE = _rx(
    r"\b(stor\w*|host\w*|locat\w*|resid\w*|process\w*|kept|keep\w*|transfer\w*|replicat\w*|backed up|hous\w*"
    r"|data cent\w*)|保存|保管|所在|設置|移転|処理|ホスティング|置(か|き|く)|データセンター"
)
_PLACE_NOUN = _rx(
    r"\b(regions?|countr(y|ies)|locations?|jurisdictions?|geograph\w*)\b|地域|リージョン|国|所在地|場所"
)
_OUTSIDE = _rx(r"\b(outside|beyond)\b|以外|域外|越境")
_ABROAD_JA = _rx(r"海外|国外|日本国外|日本以外")
_ABROAD_EN = _rx(r"\b(offshore|overseas|abroad|foreign|cross-border)\b")
# A restriction to a set of places: "only in X", 「X のみ」, 「X に限る」, 「X 以外には…ない」.
_RESTRICTION = _rx(
    r"\b(only|exclusively|solely)\b|\bnever (leaves?|leave)\b|\b(does|do|will) not leave\b|not\b.*\boutside\b"
    r"|のみ|だけ|に限(る|り|ら|定)|限定|以外(に|で|へ)?(は|の).*(ない|ません)|しか.*(ない|ません)"
)
# A specificational sentence: 「保存する(可能性のある)国は、X となります」, "the country where … is X".
_SPECIFICATIONAL = _rx(
    r"(国|地域|場所|所在地|保管場所|保存先|拠点)(・地域)?は[、,]?\s*(?P<ja>[^、。]{1,20}?)(国)?(のみ)?"
    r"(となります|となっています|です|である|に限ります)"
    r"|\b(country|countries|region|regions|location|locations)\b[^.]*\b(is|are)\s+(?P<en>[A-Z][\w .]{1,30})\.?\s*$"
)


def places_in(text: str) -> set[str]:
    return {code for code, rx in PLACES.items() if rx.search(text)}


def _inside(place: str, region: set[str]) -> bool:
    return place in region or any(place in _WITHIN.get(r, ()) for r in region)


def restriction(text: str) -> set[str] | None:
    """The places a response restricts its data to, or None if it states no restriction."""
    for sentence in re.split(r"(?<=[。.!?！？])\s*|\n+", normalize(text)):
        spec = _SPECIFICATIONAL.search(sentence)
        if spec:
            found = places_in(spec.group("ja") or spec.group("en") or "")
            if found:
                return found
        if _RESTRICTION.search(sentence) and _STORAGE.search(sentence):
            found = places_in(sentence)
            if found:
                return found
    return None


@dataclass
class Frame:
    question: str
    undecidable: bool = False
    bad_practice: re.Pattern | None = None
    denied: re.Pattern | None = None  # the safeguard the question denies
    prevention: bool = False
    party: re.Pattern | None = None
    places: set[str] = field(default_factory=set)
    outside: bool = False
    abroad: bool = False  # 「海外」「国外」: outside Japan
    customer_part: bool = False  # the question asks what the customer does
    customer_agent: bool = False  # the question names the customer as who does the act
    contrary: tuple[re.Pattern, re.Pattern, bool] | None = None  # the attribute asked, its contrary

    @classmethod
    def of(cls, question: str) -> Frame:
        q = _EXCEPTION.sub("", normalize(question))
        frame = cls(question=q)
        if _NEGATIVE_QUESTION.search(q):
            frame.undecidable = True
            return frame
        frame.bad_practice = next((rx for rx in BAD_PRACTICES.values() if rx.search(q)), None)
        denied = [name for name, rx in _DENIED.items() if rx.search(q)]
        if len(denied) == 1:
            frame.denied = SAFEGUARDS[denied[0]]
        elif denied or (_QUESTION_NEGATION.search(q) and not frame.bad_practice):
            frame.undecidable = True  # two denials, or one the rules cannot check
        frame.prevention = bool(_PREVENTION.search(q))
        frame.party = next((rx for rx in PARTIES.values() if rx.search(q)), None)
        frame.customer_part = bool(CUSTOMER_PART.search(q) or _CUSTOMER_ASKED.search(q))
        frame.customer_agent = bool(_CUSTOMER_AGENT.search(q))
        frame.contrary = _contrary_of(q)
        if _STORAGE.search(q):
            frame.places = places_in(q)
            frame.outside = bool(_OUTSIDE.search(q))
            frame.abroad = bool(_ABROAD_JA.search(q))
            if _ABROAD_EN.search(q) and not frame.places:
                frame.undecidable = True  # "offshore" from whose country?
            elif _PLACE_NOUN.search(q) and not frame.places and not frame.abroad:
                frame.undecidable = True  # "within its region", "the customer's country": which?
        return frame

    @property
    def about_place(self) -> bool:
        return bool(self.places) or self.abroad

    def wanted(self, clause: str) -> bool:
        """Whether a clause names what the question asks about (a bad practice, a safeguard, a party, a place)."""
        if self.bad_practice and not self.bad_practice.search(clause):
            return False
        if self.denied and not self.denied.search(clause):
            return False
        if self.party and not self.party.search(clause):
            return False
        if not self.customer_part and CUSTOMER_PART.search(clause):
            return False
        if self.customer_agent and _PROVIDER_AGENT.search(clause):
            return False  # it says the provider does it: not whether the customer does
        if self.contrary and self.contrary[2] and not any(side.search(clause) for side in self.contrary[:2]):
            return False  # only a clause naming the attribute, or its contrary, answers
        if self.contrasts(clause):
            return False
        if self.about_place:
            named = places_in(clause) & self.places if self.places else set()
            abroad = _ABROAD_JA.search(clause) or _ABROAD_EN.search(clause) or _OUTSIDE.search(clause)
            if not named and not (self.abroad and abroad):
                return False
        return True

    def prevents(self, clause: str, polarity: str | None) -> bool:
        """Whether a clause answers a question about a prevention or restriction in other words:
        by denying the harmful event (「回避できるプログラムは提供していません」, "others cannot
        access") or by a restriction ("only contract holders can access", 「契約者のみ」)."""
        if not self.prevention:
            return False
        if polarity == "no" and _HARM.search(clause) and not _MEASURE.search(clause):
            return True
        return polarity == "yes" and bool(_ONLY.search(clause))

    def denies_party(self, clause: str, polarity: str | None) -> bool:
        """「委託先は存在しません」, "there are no subcontractors": a party that does not exist
        does nothing, so every question about what it does is answered no."""
        return bool(
            self.party and polarity == "no" and self.party.search(clause) and _EXISTENCE.search(clause)
        )

    def contrasts(self, clause: str) -> bool:
        """A clause about the other member of a contrast (in transit vs at rest) does not answer."""
        for one, other in _CONTRASTS:
            if one.search(self.question) and not other.search(self.question):
                if other.search(clause) and not one.search(clause):
                    return True
        return False

    def turn(self, clause: str, polarity: str | None) -> str | None:
        """The answer to the question from the answering clause's polarity."""
        if polarity not in ("yes", "no"):
            return polarity if polarity in ("na", "partial") and not self.bad_practice else None
        if self.bad_practice:
            return "no" if polarity == "no" else None  # only a denial of the practice is safe
        if self.denied:
            return "no" if polarity == "yes" else "yes"
        if self.prevention and polarity == "no":
            if _HARM.search(clause) and not _MEASURE.search(clause):
                return "yes"  # the harmful event cannot happen: it is prevented
            return "no" if _MEASURE.search(clause) else None
        if self.about_place and (self.outside or self.abroad):
            return None  # "is X outside …?" from a clause without a restriction: left to a person
        if self.contrary:
            asked, opposite, _named = self.contrary
            if opposite.search(clause) and not asked.search(clause):
                # X is paid, so it is not free; X is not paid says nothing of free
                return "no" if polarity == "yes" else None
        return polarity


def scope_answer(frame: Frame, text: str) -> str | None:
    """A question about a place, answered from a restriction the response states; None if it states none."""
    if not frame.about_place or frame.undecidable:
        return None
    allowed = restriction(text)
    if not allowed:
        return None
    if frame.abroad and not frame.places:
        return "no" if allowed <= {"JP"} else None
    asked = frame.places
    within = all(any(_inside(a, {q}) for q in asked) for a in allowed)  # every allowed place is asked
    apart = not any(_inside(a, asked) or _inside(q, allowed) for a in allowed for q in asked)
    if frame.outside or frame.abroad:
        # "only in Japan": "outside Japan?" is no, "outside the US?" yes, "outside Tokyo?" unknown.
        return "no" if within else "yes" if apart else None
    # "only in Japan": "in Japan?" is yes, "in China?" no; "only in the EU": "in Germany?" unknown.
    return "yes" if within else "no" if apart else None
