import pytest

from kb import glossary
from kb.db import connect_memory
from kb.errors import KBError


def test_a_new_group_is_added_once_and_its_terms_deduplicated():
    db = connect_memory()
    gid = glossary.add_group(db, ["ミチノク監査", "michinoku audit", "ミチノク監査"])
    assert glossary.user_groups(db) == [(gid, ["ミチノク監査", "michinoku audit"])]


@pytest.mark.parametrize(
    "terms",
    [
        ["Michinoku Audit", "ミチノク監査"],  # the same group, other case and order
        ["ミチノク監査", "ｍｉｃｈｉｎｏｋｕ  audit"],  # full-width letters and doubled spaces
    ],
)
def test_a_group_adding_nothing_to_an_existing_one_is_refused(terms):
    db = connect_memory()
    first = glossary.add_group(db, ["ミチノク監査", "michinoku audit", "東北監査"])
    with pytest.raises(KBError, match=f"group {first} already holds"):
        glossary.add_group(db, terms)
    assert len(glossary.user_groups(db)) == 1


def test_a_shipped_group_is_not_added_again_but_a_new_synonym_for_it_is():
    db = connect_memory()
    shipped = glossary.shipped_groups()[0]
    with pytest.raises(KBError, match="a shipped group already holds"):
        glossary.add_group(db, [shipped[1], shipped[0]])
    glossary.add_group(db, [shipped[0], "ミチノク式暗号"])  # extends it: accepted


def test_one_term_written_twice_is_not_a_group():
    with pytest.raises(KBError, match="two different terms"):
        glossary.add_group(connect_memory(), ["Backup", "backup"])
