"""The path from help request to group: the team queue (/ondersteuningsvragen/) and the bundling
board (/collectieven/bundelen/), each in its own module."""

from . import urls_board, urls_queue

app_name = "pathway"

urlpatterns = urls_queue.urlpatterns + urls_board.urlpatterns
