from django.urls import path

from . import views_answers as views

urlpatterns = [
    path("collectieven/<int:group_pk>/vragenlijst/antwoorden/", views.open_answers, name="open_answers"),
    path("collectieven/<int:group_pk>/vragenlijst/verwijderen/", views.response_delete, name="response_delete"),
]
