"""Stories (verhalen): a group's stories, and the three the coordinator chooses for the yearly report.

- A group's stories (list, add, edit, delete): staff of the group's team (``registration_required``,
  the group through ``access.get_for_user``: another team's group is a 404, and so is a story of
  another group). A story that names a resident needs that resident's current consent to be quoted
  in a report (``outcomes.stories.save_story``); the list says per story whether it can be offered
  for a report, and why not.
- "Verhalen voor het jaarverslag": coordinators and administrators (``report_management_required``),
  for a municipality they manage: the year's offerable stories with their tags counted, choose up
  to three (``save_story`` refuses a fourth).

Every page that shows a story is audited as ``story.viewed`` naming the residents the stories are
linked to; every change as ``story.created`` / ``story.updated`` / ``story.deleted``.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from collectief import access
from collectief.audit import residents_shown
from collectief.models import log_event
from groups.models import Group
from reporting import privacy
from reporting.periods import year as year_period
from reporting.services import public_group_labels

from . import stories
from .forms_stories import ChooseForm, StoryForm, YearForm
from .models import Story

# --- Helpers -------------------------------------------------------------------------------------


def _group(request, group_pk) -> Group:
    """The group if the user's team(s) may see it; 404 otherwise."""
    return access.get_for_user(Group.objects.select_related("team__municipality"), request.user, pk=group_pk)


def _story(group, story_pk) -> Story:
    """A story of this group; a story of another group (or none) is a 404."""
    return get_object_or_404(group.stories.select_related("participant"), pk=story_pk)


def group_size(group) -> int:
    """Residents ever enrolled in the group: the measure of ``Story.from_groups_of_at_least``."""
    return group.enrolments.aggregate(n=Count("participant", distinct=True))["n"]


def _why_not_offered(story, *, consent_ok: set, big_enough: bool) -> list[str]:
    """Why a story cannot be offered for a report; empty when it can."""
    reasons = []
    if story.pk not in consent_ok:
        reasons.append(_("the resident has not given consent (or withdrew it) to be quoted in a report"))
    if not big_enough:
        reasons.append(_("the group has had fewer than %(minimum)s residents") % {"minimum": stories.MIN_GROUP_SIZE})
    return reasons


def _audit_view(user, obj, page: str, story_list) -> None:
    """One ``story.viewed`` event naming the residents the shown stories are linked to."""
    with transaction.atomic():
        log_event(user, "story.viewed", obj, {
            "page": page, "stories": [story.pk for story in story_list if story.pk],
            **residents_shown(story.participant_id for story in story_list),
        })


# --- A group's stories ---------------------------------------------------------------------------


@access.registration_required
@require_GET
def story_list(request, group_pk):
    """The group's stories: name shown, date, tags, and whether (and why not) it can go in a report."""
    group = _group(request, group_pk)
    found = list(group.stories.select_related("participant").prefetch_related("tags").order_by("-date", "-id"))
    consent_ok = set(group.stories.with_consent().values_list("pk", flat=True))
    size = group_size(group)
    big_enough = size >= stories.MIN_GROUP_SIZE
    for story in found:
        story.reasons = _why_not_offered(story, consent_ok=consent_ok, big_enough=big_enough)
    _audit_view(request.user, group, "list", found)
    return render(request, "outcomes/stories.html", {
        "group": group, "stories": found, "size": size, "big_enough": big_enough,
        "minimum": stories.MIN_GROUP_SIZE,
    })


def _consent_url(form) -> str:
    """The consent section of the resident chosen on the form, when the form refused them."""
    if not form.has_error("participant"):
        return ""
    value = form.data.get("participant", "")
    resident = next((p for p in form.fields["participant"].queryset if str(p.pk) == value), None)
    return f"{reverse('participants:detail', args=[resident.pk])}#consent" if resident else ""


def _story_form(request, group, story):
    created = story.pk is None
    form = StoryForm(request.POST if request.method == "POST" else None, instance=story, group=group)
    if form.is_bound and form.is_valid():
        story = form.save(commit=False)
        try:
            stories.save_story(request.user, story, tags=form.cleaned_data["tags"], fields=form.changed_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The story has been saved.") if created else _("The story has been changed."))
            return redirect("outcomes:stories", group.pk)
    residents = list(form.fields["participant"].queryset)
    with transaction.atomic():
        # The form lists the group's residents by name (the choice of whom the story is about).
        log_event(request.user, "story.viewed", story if story.pk else group, {
            "page": "story_form", **residents_shown(p.pk for p in residents),
        })
    return render(request, "outcomes/stories_form.html", {
        "group": group, "form": form, "story": story if not created else None, "consent_url": _consent_url(form),
        "residents": residents,
    })


@access.registration_required
@require_http_methods(["GET", "POST"])
def story_add(request, group_pk):
    """Verhaal toevoegen."""
    group = _group(request, group_pk)
    return _story_form(request, group, Story(group=group))


@access.registration_required
@require_http_methods(["GET", "POST"])
def story_edit(request, group_pk, story_pk):
    group = _group(request, group_pk)
    return _story_form(request, group, _story(group, story_pk))


@access.registration_required
@require_http_methods(["GET", "POST"])
def story_delete(request, group_pk, story_pk):
    """Delete a story (after a confirmation page); audited under the resident it was linked to."""
    group = _group(request, group_pk)
    story = _story(group, story_pk)
    if request.method == "POST":
        with transaction.atomic():
            target = story.participant if story.participant_id else story
            log_event(request.user, "story.deleted", target, {"story": story.pk, "group": group.pk})
            story.delete()
        messages.success(request, _("The story has been deleted."))
        return redirect("outcomes:stories", group.pk)
    _audit_view(request.user, story.participant if story.participant_id else story, "story_delete", [story])
    return render(request, "outcomes/stories_confirm_delete.html", {"group": group, "story": story})


# --- Choosing three for the yearly report -------------------------------------------------------


def _unchoose(user, story) -> None:
    """Take a story back from the yearly report.

    A direct update, not ``save_story``: a story whose resident withdrew consent must still be taken
    back (save_story refuses to store it), or it would keep one of the three places.
    """
    with transaction.atomic():
        Story.objects.filter(pk=story.pk).update(chosen_for_year=None)
        target = story.participant if story.participant_id else story
        log_event(user, "story.updated", target, {"story": story.pk, "fields": ["chosen_for_year"],
                                                  "group": story.group_id})


def _choose(request, municipality, year: int, offerable, chosen_ids) -> None:
    """Handle one "choose" / "take back" button; the outcome goes into a message."""
    form = ChooseForm(request.POST)
    if not form.is_valid():
        messages.error(request, next(iter(form.errors.values()))[0])
        return
    story_pk, action = form.cleaned_data["story"], form.cleaned_data["action"]
    if action == "unchoose":
        story = Story.objects.filter(pk=story_pk, pk__in=chosen_ids).first()
        if story is None:
            messages.error(request, _("This story is not chosen for this year."))
            return
        _unchoose(request.user, story)
        messages.success(request, _("The story will not be in the yearly report."))
        return
    story = offerable.filter(pk=story_pk).select_related("participant", "group__team").first()
    if story is None:
        messages.error(request, _("This story cannot be offered for the yearly report of this year."))
        return
    if found := privacy.check_note(f"{story.display_name}\n{story.text}", municipality):
        messages.error(request, _("This story may contain personal data of a resident (%(found)s). Change the story "
                                  "first.") % {"found": "; ".join(privacy.describe(found))})
        return
    story.chosen_for_year = year
    try:
        stories.save_story(request.user, story, fields=["chosen_for_year"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return
    messages.success(request, _("The story has been chosen for the yearly report."))


@access.report_management_required
@never_cache
@require_http_methods(["GET", "POST"])
def stories_choose(request):
    """Verhalen voor het jaarverslag: the year's offerable stories of a municipality, choose up to three."""
    municipalities = access.managed_municipalities(request.user).order_by("name")
    today = timezone.localdate()
    bound = any(key in request.GET for key in ("municipality", "year"))
    first = municipalities.first()
    data = request.GET if bound else {"municipality": getattr(first, "pk", ""), "year": today.year}
    form = YearForm(data, municipalities=municipalities, today=today)
    context = {"form": form, "maximum": stories.MAX_CHOSEN}
    if first is None or not form.is_valid():
        return render(request, "outcomes/stories_choose.html", context, status=200)
    municipality, year = form.cleaned_data["municipality"], form.cleaned_data["year"]
    period = year_period(year)
    offerable = stories.offerable(municipality, period)
    chosen_all = Story.objects.filter(group__team__municipality=municipality, chosen_for_year=year)
    if request.method == "POST":
        _choose(request, municipality, year, offerable, chosen_all.values("pk"))
        query = urlencode({"municipality": municipality.pk, "year": year})
        return redirect(f"{reverse('outcomes:stories_choose')}?{query}")
    context.update(_choose_context(request.user, municipality, period, offerable, chosen_all))
    return render(request, "outcomes/stories_choose.html", context)


def _choose_context(user, municipality, period, offerable, chosen_all) -> dict:
    found = list(offerable.select_related("group").prefetch_related("tags").order_by("-date", "-id"))
    offerable_ids = {story.pk for story in found}
    # Chosen but no longer offerable (consent withdrawn, date changed): shown so it can be taken back.
    lost = list(chosen_all.exclude(pk__in=offerable_ids).select_related("group").order_by("-date", "-id"))
    labels = public_group_labels(municipality, [story.group_id for story in found + lost])
    own = set(access.scope(Group.objects.filter(pk__in=labels), user).values_list("pk", flat=True))
    for story in found + lost:
        story.public_group = labels.get(story.group_id, "")
        story.own_group = story.group_id in own
    _audit_view(user, municipality, "choose", found + lost)
    return {
        "municipality": municipality,
        "year": period.start.year,
        "stories": found,
        "lost": lost,
        "chosen": sum(1 for story in found + lost if story.chosen_for_year == period.start.year),
        "tags": stories.tag_counts(municipality, period),
    }
