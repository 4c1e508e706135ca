import pytest

from kb.audience import AUDIENCES, check_audience, may_see, visible_to
from kb.errors import KBError


def test_levels_are_ordered_each_audience_sees_its_level_and_below():
    assert visible_to("public") == ("public",)
    assert visible_to("nda") == ("public", "nda")
    assert visible_to("internal") == ("public", "nda", "internal")


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("classification", AUDIENCES)
def test_may_see_never_shows_a_higher_level(audience, classification):
    assert may_see(audience, classification) == (AUDIENCES.index(classification) <= AUDIENCES.index(audience))


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(KBError, match="public, nda, internal"):
        check_audience("everyone")
    with pytest.raises(KBError, match="unknown classification"):
        may_see("public", "secret")
