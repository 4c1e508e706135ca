import pytest

from evidence.decode import decode_text, reads_as_text

SENTENCE = "当社は入退室管理簿を三年間保管し、ｶｰﾄﾞ番号を記録します。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SENTENCE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"), "utf-8-sig"),
        (SENTENCE.encode("utf-16"), "utf-16"),  # with its BOM, either byte order
        (b"\xfe\xff" + SENTENCE.encode("utf-16-be"), "utf-16"),
        (SENTENCE.encode("cp932"), "cp932"),
        (SENTENCE.encode("euc-jp"), "euc-jp"),
    ],
)
def test_each_encoding_is_read_back(data, encoding):
    decoded = decode_text(data)
    assert decoded.text == SENTENCE
    assert decoded.encoding == encoding


def test_cp932_only_characters():
    # ① and ㈱ are in CP932 (NEC extensions), not in plain Shift_JIS.
    text = "①入館証は㈱警備会社が発行する。"
    assert decode_text(text.encode("cp932")) == (text, "cp932")


def test_euc_jp_is_not_taken_for_half_width_katakana():
    # EUC-JP's kana bytes are valid CP932 too, as half-width katakana pairs.
    data = "ログは暗号化して保存します".encode("euc-jp")
    assert reads_as_text(data.decode("cp932", errors="replace")) is False
    assert decode_text(data).encoding == "euc-jp"


def test_bytes_no_codec_reads_are_replaced_not_guessed():
    decoded = decode_text(b"caf\xe9 \x81")
    assert decoded.encoding == "utf-8 (replaced)"
    assert decoded.text.startswith("caf")
