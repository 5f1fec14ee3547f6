from django.urls import path

from . import views

app_name = "participants"

# URL words are Dutch, like the rest of the site (deelnemers, collectieven, wachtwoord).
SECTION_PATHS = {
    "change_wish": "veranderwens",
    "help_request": "ondersteuningsvraag",
    "individual_support": "individuele-ondersteuning",
}

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("nieuw/", views.participant_create, name="create"),
    path("wijk/", views.neighbourhood_for_postcode, name="neighbourhood_for_postcode"),
    path("<int:pk>/", views.participant_detail, name="detail"),
    path("<int:pk>/wijzigen/", views.participant_edit, name="edit"),
    path("<int:pk>/toestemming/", views.consent_add, name="consent_add"),
    path("<int:pk>/veranderwens/<int:item_pk>/status/", views.change_wish_status, name="change_wish_status"),
    # Positive Health: the resident's own view (a conversation aid), corrected or deleted when mistaken.
    path("<int:pk>/positieve-gezondheid/", views.positive_health, name="positive_health"),
    path("<int:pk>/positieve-gezondheid/<int:measurement_pk>/", views.measurement_edit, name="measurement_edit"),
    path("<int:pk>/positieve-gezondheid/<int:measurement_pk>/verwijderen/", views.measurement_delete,
         name="measurement_delete"),
    # Rights of residents: everything as PDF or JSON; erasure (anonimiseren) asked by one, confirmed by another.
    path("<int:pk>/export/", views.participant_export, name="export"),
    path("<int:pk>/anonimiseren/", views.erasure_request, name="erasure_request"),
    path("<int:pk>/anonimiseren/bevestigen/", views.erasure_confirm, name="erasure_confirm"),
    path("<int:pk>/anonimiseren/annuleren/", views.erasure_cancel, name="erasure_cancel"),
]

for section, word in SECTION_PATHS.items():
    urlpatterns += [
        path(f"<int:pk>/{word}/", views.item_add, {"section": section}, name=f"{section}_add"),
        path(
            f"<int:pk>/{word}/<int:item_pk>/", views.item_edit, {"section": section}, name=f"{section}_edit"
        ),
        path(
            f"<int:pk>/{word}/<int:item_pk>/verwijderen/",
            views.item_delete,
            {"section": section},
            name=f"{section}_delete",
        ),
    ]
