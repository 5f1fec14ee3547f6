"""The experience survey's URLs: a group's survey (paper entry, links), the public page, the table."""

from django.urls import path

from . import views_survey as views

urlpatterns = [
    path("collectieven/<int:group_pk>/vragenlijst/", views.group_survey, name="group_survey"),
    path("collectieven/<int:group_pk>/vragenlijst/invoeren/", views.paper_entry, name="paper_entry"),
    path("collectieven/<int:group_pk>/vragenlijst/link/", views.link_create, name="link_create"),
    path("collectieven/<int:group_pk>/vragenlijst/link/sluiten/", views.link_close, name="link_close"),
    path("collectieven/<int:group_pk>/vragenlijst/qr-code/", views.link_print, name="link_print"),
    path("ervaringen/", views.survey_table_page, name="survey_table"),
    # Public: residents open these without an account (views marked login_not_required).
    path("vragenlijst/<str:token>/", views.public_survey, name="public_survey"),
    path("vragenlijst/<str:token>/bedankt/", views.public_thanks, name="public_thanks"),
]
