from django.urls import reverse


def test_it_shows_home_to_a_village_cadre(client, personas, households):
    client.force_login(personas.cadre_a1)
    response = client.get(reverse("site:home"))
    assert response.status_code == 200
    assert "甲村民委员会" in response.content.decode()
