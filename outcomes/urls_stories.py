"""Stories' URLs: a group's stories (list, add, edit, delete) and choosing three for the yearly report."""

from django.urls import path

from . import views_stories as views

urlpatterns = [
    path("collectieven/<int:group_pk>/verhalen/", views.story_list, name="stories"),
    path("collectieven/<int:group_pk>/verhalen/nieuw/", views.story_add, name="story_add"),
    path("collectieven/<int:group_pk>/verhalen/<int:story_pk>/", views.story_edit, name="story_edit"),
    path("collectieven/<int:group_pk>/verhalen/<int:story_pk>/verwijderen/", views.story_delete,
         name="story_delete"),
    path("ervaringen/verhalen/", views.stories_choose, name="stories_choose"),
]
