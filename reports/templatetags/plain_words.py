"""Template tags of reports.plain_words: ``{% rank_sentence ... %}`` and ``{% votes_sentence needed %}``."""

from django import template

from reports import plain_words

register = template.Library()


@register.simple_tag
def rank_sentence(rank, ranked, scope, kind) -> str:
    return plain_words.rank_sentence(rank=rank, ranked=ranked, scope=scope, kind=kind)


@register.simple_tag
def votes_sentence(needed) -> str:
    return plain_words.votes_sentence(needed)


@register.simple_tag
def rival_votes_sentence(gap) -> str:
    return plain_words.rival_votes_sentence(convert=gap.convert, gain=gap.gain)
