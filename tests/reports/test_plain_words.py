"""Where a unit stands and what it takes to reach a target, said in plain Chinese (issue 12)."""

from django.utils import translation

from reports.plain_words import rank_sentence, rival_votes_sentence, votes_sentence
from surveys.engine import VotesNeeded


def test_the_rank_is_said_as_a_sentence_naming_the_scope_and_the_kind_of_peers():
    with translation.override("zh-hans"):
        assert rank_sentence(rank=8, ranked=10, scope="临沂市", kind="district") == "在临沂市10个区县中排第8"
        assert rank_sentence(rank=3, ranked=80, scope="兰山区", kind="school") == "在兰山区80个学校中排第3"
        assert rank_sentence(rank=None, ranked=80, scope="兰山区", kind="school") == ""
    with translation.override("en"):
        assert rank_sentence(rank=8, ranked=10, scope="Linyi", kind="district") == (
            "Rank 8 of the 10 districts and counties of Linyi"
        )


def test_votes_to_target_are_said_in_words():
    with translation.override("zh-hans"):
        assert votes_sentence(VotesNeeded(convert=6, gain=54)) == "需将6张不满意票转为满意，或新增54张满意票"
        assert votes_sentence(VotesNeeded(convert=6, gain=None)) == "需将6张不满意票转为满意"
        assert votes_sentence(None) == ""
        assert rival_votes_sentence(convert=None, gain=None) == "即使所有不满意票都转为满意也不够。"
        assert rival_votes_sentence(convert=None, gain=12).startswith("需新增12张满意票")
