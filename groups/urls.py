from django.urls import path

from . import views

app_name = "groups"

urlpatterns = [
    path("", views.group_list, name="list"),
    path("nieuw/", views.group_create, name="create"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/bewerken/", views.group_edit, name="edit"),
    path("<int:pk>/begeleiders/nieuw/", views.contributor_add, name="contributor_add"),
    path("<int:pk>/aanmelden/", views.enrol, name="enrol"),
    path("<int:pk>/aanmelden/zoeken/", views.participant_search, name="participant_search"),
    path("<int:pk>/aanmeldingen/<int:enrolment_pk>/beeindigen/", views.enrolment_end, name="enrolment_end"),
    path("<int:pk>/wachtlijst/nieuw/", views.waiting_add, name="waiting_add"),
    path("<int:pk>/wachtlijst/inschrijven/", views.waiting_enrol, name="waiting_enrol"),
    path("<int:pk>/wachtlijst/proef/", views.waiting_trial, name="waiting_trial"),
    path("<int:pk>/wachtlijst/van-de-lijst/", views.waiting_withdraw, name="waiting_withdraw"),
    path("<int:pk>/volgende-reeks/", views.series_next, name="series_next"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/afbouwen/", views.hand_over, name="hand_over"),
    path("<int:pk>/overdragen/", views.hand_over_done, name="hand_over_done"),
    path("<int:pk>/draait-het-nog/", views.group_check, name="check"),
    path("<int:pk>/bijeenkomsten/nieuw/", views.session_create, name="session_create"),
    path("<int:pk>/bijeenkomsten/<int:session_pk>/", views.session_edit, name="session_edit"),
    path("<int:pk>/bijeenkomsten/<int:session_pk>/verwijderen/", views.session_delete, name="session_delete"),
]
