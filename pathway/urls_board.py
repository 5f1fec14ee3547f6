from django.urls import path

from . import views_board

urlpatterns = [
    path("collectieven/bundelen/", views_board.board, name="board"),
]
