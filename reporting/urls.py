from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.reports, name="reports"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("genereren/", views.generate, name="generate"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/status/", views.report_status, name="report_status"),
    path("<int:pk>/toelichting/", views.report_note, name="report_note"),
    path("<int:pk>/vaststellen/", views.report_approve, name="report_approve"),
    path("<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("<int:pk>/csv/", views.report_csv, name="report_csv"),
]
