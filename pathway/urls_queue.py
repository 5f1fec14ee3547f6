from django.urls import path

from . import views_queue

urlpatterns = [
    path("ondersteuningsvragen/", views_queue.queue, name="queue"),
    path("ondersteuningsvragen/<int:pk>/", views_queue.request_detail, name="request"),
    path("ondersteuningsvragen/<int:pk>/afwegen/", views_queue.request_weigh, name="request_weigh"),
    path("ondersteuningsvragen/<int:pk>/dagen/", views_queue.request_times, name="request_times"),
    path("ondersteuningsvragen/<int:pk>/koppelen/", views_queue.request_match, name="request_match"),
    path("ondersteuningsvragen/<int:pk>/afsluiten/", views_queue.request_close, name="request_close"),
    path("ondersteuningsvragen/<int:pk>/heropenen/", views_queue.request_reopen, name="request_reopen"),
]
