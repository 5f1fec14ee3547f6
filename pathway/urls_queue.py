from django.urls import path

from . import views_queue

urlpatterns = [
    path("ondersteuningsvragen/", views_queue.queue, name="queue"),
]
