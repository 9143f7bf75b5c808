from django.urls import reverse


def test_it_speaks_chinese_by_default(client, personas):
    client.force_login(personas.cadre_a1)
    html = client.get(reverse("site:home")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "建档立卡" in html and "退出" in html


def test_it_switches_to_english_and_back(client, personas):
    client.force_login(personas.cadre_a1)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("site:home")).content.decode()
    assert '<html lang="en">' in html
    assert "Registry" in html and "Sign out" in html and "Village cadre" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "建档立卡" in client.get(reverse("site:home")).content.decode()


def test_the_login_page_is_translated_too(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Targeted Poverty Alleviation Platform" in html
