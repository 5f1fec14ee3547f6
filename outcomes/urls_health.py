"""Positive Health, aggregated for coordinators: paired change from start to end (internal only)."""

from django.urls import path

from . import views_health as views

urlpatterns = [
    path("ervaringen/positieve-gezondheid/", views.health_change, name="health_change"),
]
