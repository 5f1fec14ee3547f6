from django.urls import path

from . import views_board

urlpatterns = [
    path("collectieven/bundelen/", views_board.board, name="board"),
    path("collectieven/bundelen/nieuwe-groep/", views_board.start_group, name="board_start"),
]
