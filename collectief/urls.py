from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from groups import views as groups_views

from . import accounts, audit_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("collectief.offline")),  # /sw.js and the offline roll call (collectief/offline.py)
    path("", groups_views.start, name="home"),
    path("welkom/", views.landing, name="landing"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tweestaps/", include("collectief.two_factor")),  # two-factor login (collectief/two_factor.py)
    path("wachtwoord/vergeten/", accounts.PasswordResetView.as_view(), name="password_reset"),  # rate-limited
    path("wachtwoord/verstuurd/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "wachtwoord/nieuw/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("wachtwoord/klaar/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("wachtwoord/wijzigen/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("wachtwoord/gewijzigd/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # The language switch is also offered on the login page.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("deelnemers/", include("participants.urls")),
    path("", include("pathway.urls")),  # /ondersteuningsvragen/ and /collectieven/bundelen/
    path("", include("outcomes.urls")),  # a group's survey, /ervaringen/, the public /vragenlijst/<token>/
    path("", include("offers.urls")),  # /sociale-kaart/, the public /aanbod/, flyers, referrals
    path("collectieven/", include("groups.urls")),
    path("rapportage/", include("reporting.urls")),
    path("importeren/", include("imports.urls")),
    path("audit/", include(audit_views)),  # the audit viewer (administrators); /beheer/ is Django's admin
    path("beheer/", admin.site.urls),
]
