"""The language menu names each language in its own words."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_language_menu_says_english_and_chinese_in_either_language(client, language):
    client.cookies["django_language"] = language
    body = client.get(reverse("login")).content.decode()
    menu = body[body.index('name="language"') : body.index("</select>", body.index('name="language"'))]
    assert ">English</option>" in menu and ">简体中文</option>" in menu
    assert "英语" not in menu
