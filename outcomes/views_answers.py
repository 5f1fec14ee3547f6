"""The open answers of a group's survey: read them, tag their themes, remove a mistyped paper form.

Responses that came in through a link have no themes yet (a resident does not tag their own
answer); staff of the group's team tag them here, so the theme counts of the "Ervaringen" page
cover every channel. Responses stay anonymous: nothing here names or links a resident.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from collectief import access
from collectief.models import log_event

from .models import SurveyResponse, ThemeTag
from .views_survey import _group

SHOWN = 100  # the newest open answers on the page


def _posted_id(request) -> int:
    """The response id of the form; 0 (found nowhere: 404) for anything that is not a number."""
    value = request.POST.get("response", "")
    return int(value) if value.isdigit() and len(value) < 12 else 0


@access.registration_required
@require_http_methods(["GET", "POST"])
def open_answers(request, group_pk):
    group = _group(request, group_pk)
    responses = group.survey_responses.exclude(what_helped="", do_differently="")
    if request.method == "POST":
        response = get_object_or_404(responses, pk=_posted_id(request))
        chosen = set(request.POST.getlist("themes"))
        tags = list(ThemeTag.objects.filter(code__in=chosen))
        if len(tags) != len(chosen):
            messages.error(request, _("Choose themes from the list."))
        else:
            with transaction.atomic():
                response.themes.set(tags)
                log_event(request.user, "survey_response.updated", response,
                          {"fields": ["themes"], "group": group.pk})
            messages.success(request, _("The themes have been saved."))
        return redirect(reverse("outcomes:open_answers", args=[group.pk]) + f"#antwoord-{response.pk}")
    shown = list(responses.prefetch_related("themes").order_by("-date", "-id")[:SHOWN])
    return render(request, "outcomes/open_answers.html", {
        "group": group, "responses": shown, "themes": ThemeTag.objects.all(), "limit": SHOWN,
    })


@access.registration_required
@require_POST
def response_delete(request, group_pk):
    """Remove a paper form typed in by mistake (a form that came in through a link stays)."""
    group = _group(request, group_pk)
    response = get_object_or_404(group.survey_responses.filter(channel=SurveyResponse.Channel.PAPER),
                                 pk=_posted_id(request))
    with transaction.atomic():
        log_event(request.user, "survey_response.deleted", response, {"group": group.pk, "date": str(response.date)})
        response.delete()
    messages.success(request, _("The paper form has been removed."))
    return redirect("outcomes:open_answers", group_pk=group.pk)
