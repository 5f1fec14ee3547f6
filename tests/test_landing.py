"""After logging in, each role lands on the page its work starts from."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.parametrize(
    "persona, landing",
    [
        ("worker", "home"),
        ("coordinator", "reporting:dashboard"),
        ("municipality_user", "reporting:reports"),
        ("administrator", "home"),
    ],
)
def test_each_role_lands_on_its_own_page(request, client, persona, landing):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200
