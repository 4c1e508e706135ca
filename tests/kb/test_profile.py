import pytest

from kb import profile
from kb.db import connect_memory


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Vendor Name", "provider_name"),
        ("Name of the supplier", "provider_name"),
        ("Company name:", "provider_name"),
        ("会社名", "provider_name"),
        ("事業者の名称", "provider_name"),
        ("Product Name", "product_name"),
        ("サービス名称", "product_name"),
        ("Primary Contact Name", "contact_name"),
        ("Vendor contact e-mail", "contact_email"),
        ("担当者メールアドレス", "contact_email"),
        ("Contact Phone Number", "contact_phone"),
        ("Contact job title", "contact_title"),
        ("HQ country", "headquarters_country"),
        ("Country of Headquarters", "headquarters_country"),
        ("本社所在地", "headquarters_address"),
        ("Company Website", "website"),
    ],
)
def test_identity_labels_name_their_profile_field(label, key):
    field = profile.profile_field(label)
    assert field is not None and field.key == key


@pytest.mark.parametrize(
    "question",
    [
        "Do you store the name of each user who accesses customer data?",
        "Describe how you verify the email address of a new administrator.",
        "利用者の氏名を暗号化して保存していますか。",
        "Data hosting regions",
        "Encryption at rest",
        "Is your company website scanned for vulnerabilities?",
    ],
)
def test_questions_and_topics_are_not_identity_fields(question):
    assert profile.profile_field(question) is None


def test_values_are_kept_per_language_and_neutral_values_serve_both():
    db = connect_memory()
    profile.set_value(db, "provider_name", "ja", "架空クラウド株式会社")
    profile.set_value(db, "provider_name", "en", "Kaku Cloud Inc.")
    profile.set_value(db, "contact_email", "", "security@example.jp")
    assert profile.value(db, "provider_name", "en") == "Kaku Cloud Inc."
    assert profile.value(db, "provider_name", "ja") == "架空クラウド株式会社"
    assert profile.value(db, "contact_email", "en") == "security@example.jp"
    assert profile.value(db, "website", "en") is None
    profile.set_value(db, "provider_name", "en", "Kaku Cloud K.K.")
    assert profile.value(db, "provider_name", "en") == "Kaku Cloud K.K."
    assert [k for k, _, _ in profile.values(db)] == ["contact_email", "provider_name", "provider_name"]
    assert profile.unset_value(db, "provider_name", "en") == 1
    assert profile.value(db, "provider_name", "en") is None


def test_an_unknown_key_is_refused():
    with pytest.raises(KeyError):
        profile.set_value(connect_memory(), "favourite_colour", "en", "blue")


@pytest.mark.parametrize(
    "label",
    [
        "Accessibility Contact Name",
        "Vendor privacy officer email",
        "セキュリティ担当者の連絡先",
        "Billing contact phone",
    ],
)
def test_a_contact_for_one_role_is_an_identity_field_without_a_profile_key(label):
    field = profile.profile_field(label)
    assert field is not None and not field.settable and field.key not in profile.KEYS
    with pytest.raises(KeyError):
        profile.set_value(connect_memory(), field.key, "en", "Jane Doe")
