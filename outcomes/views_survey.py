"""The experience survey's pages: paper entry and links on a group, the public fill-in page, the table.

- A group's survey page, paper entry and links: staff of the group's team (``registration_required``,
  the group through ``access.get_for_user``: another team's group is a 404). Making or closing a link:
  a coordinator of the team or one of the group's own social workers.
- ``/vragenlijst/<token>/``: public (``login_not_required``), for residents without an account. It
  asks no personal data, needs no session, stores no IP address; a honeypot field and a limit per
  address (in the cache, fail-soft) keep robots out.
- "Ervaringen": the survey table of a municipality the coordinator manages, cells under 5 hidden.
"""

import hashlib
import logging
import re

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collectief import access
from collectief.accounts import client_ip
from collectief.models import GroupKind
from groups.models import Group
from reporting.forms import DashboardForm

from . import services
from .forms_survey import LinkForm, PaperStartForm, PublicStartForm, ResponseForm
from .models import RespondentType, Survey, SurveyLink, SurveyResponse, ThemeTag
from .survey import MIN_RESPONDENTS, marks, responses_of, survey_table

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
LINKS_SHOWN = 20
# Submissions through links per client address per window: generous, because a whole group may
# fill it in at once over the Wi-Fi of one community centre.
RATE_LIMIT = 30
RATE_WINDOW = 15 * 60  # seconds

try:  # Django's RedisCache raises redis-py's errors; other backends raise socket errors.
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover - redis is a dependency
    RedisError = OSError
CACHE_ERRORS = (RedisError, OSError, TimeoutError, ConnectionError, ValueError)


# --- Helpers -------------------------------------------------------------------------------------


def _group(request, group_pk) -> Group:
    """The group if the user's team(s) may see it; 404 otherwise."""
    return access.get_for_user(Group.objects.select_related("team", "kind"), request.user, pk=group_pk)


def public_url(request, link: SurveyLink) -> str:
    return request.build_absolute_uri(reverse("outcomes:public_survey", args=[link.token]))


def qr_svg(url: str, *, scale: int) -> str:
    """The QR code of ``url`` as inline SVG (no image request, no inline style: the CSP allows it),
    named for screen readers."""
    label = escape(_("QR code that opens the survey"))
    svg = segno.make(url, error="m").svg_inline(scale=scale, border=2, title=label, svgclass="qr-code")
    # segno writes the <title>; role and label make it an image with a name for every screen reader.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


def within_rate_limit(request) -> bool:
    """Count one submission from this client address; False once this window's limit is passed.

    Only a salted hash of the address is used as a key, and only in the cache, for RATE_WINDOW
    seconds: no address is stored with a response or anywhere else. When the cache is down the
    response is accepted (and the failure logged): a Redis outage must not lose what someone typed.
    """
    address = client_ip(request) or ""
    key = "survey-submit:" + hashlib.sha256(f"{settings.SECRET_KEY}|{address}".encode()).hexdigest()
    window = getattr(settings, "SURVEY_RATE_WINDOW", RATE_WINDOW)
    try:
        cache.add(key, 0, window)
        count = cache.incr(key)
    except CACHE_ERRORS as error:
        logger.warning("Survey rate limit not checked: cache unavailable (%s)", error.__class__.__name__)
        return True
    return count <= getattr(settings, "SURVEY_RATE_LIMIT", RATE_LIMIT)


def _links(request, group) -> list[SurveyLink]:
    today = timezone.localdate()
    links = list(group.survey_links.order_by("-created_at", "-id")[:LINKS_SHOWN])
    for link in links:
        link.url = public_url(request, link)
        link.open_now = link.is_open(today)
    return links


# --- A group's survey page -----------------------------------------------------------------------


@access.registration_required
@require_GET
def group_survey(request, group_pk):
    """The group's survey: how many responses came in, paper entry, the links and their QR codes."""
    group = _group(request, group_pk)
    counts = {
        (row["moment"], row["channel"]): row["n"]
        for row in group.survey_responses.values("moment", "channel").annotate(n=Count("id")).order_by()
    }
    rows = [
        {"moment": label, "paper": counts.get((moment, "paper"), 0), "link": counts.get((moment, "link"), 0)}
        for moment, label in SurveyResponse.Moment.choices
    ]
    return render(request, "outcomes/survey_group.html", {
        "group": group,
        "rows": rows,
        "total": sum(counts.values()),
        "links": _links(request, group),
        "can_manage": services.may_manage_links(request.user, group),
        "link_form": LinkForm(),
    })


# --- Paper entry ---------------------------------------------------------------------------------


def _chosen(data) -> bool:
    """Step 1 was sent (``step``, also with nothing chosen) or its choice is carried along."""
    return "respondent_type" in data or "step" in data


def _entry_query(start: PaperStartForm) -> str:
    data = start.cleaned_data
    return urlencode({"respondent_type": data["respondent_type"], "moment": data["moment"],
                      "date": data["date"].isoformat()})


@access.registration_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, group_pk):
    """Type in one paper form: step 1 who/when (GET), step 2 the statements for that respondent type."""
    group = _group(request, group_pk)
    survey = Survey.current()
    if survey is None:
        messages.error(request, _("There is no survey in use."))
        return redirect("outcomes:group_survey", group.pk)
    source = request.POST if request.method == "POST" else request.GET
    start = PaperStartForm(source if _chosen(source) else None, group=group)
    # "change" goes back to step 1 with the choices made (the link next to them on step 2).
    if not start.is_bound or not start.is_valid() or "change" in request.GET:
        return render(request, "outcomes/survey_entry_start.html", {"group": group, "form": start})
    chosen = start.cleaned_data
    statements = services.statements_for(survey, chosen["respondent_type"])
    form = ResponseForm(request.POST if request.method == "POST" else None, statements=statements, paper=True)
    if form.is_bound and form.is_valid():
        try:
            services.record_response(
                request.user, survey=survey, group=group, date=chosen["date"], moment=chosen["moment"],
                channel=SurveyResponse.Channel.PAPER, respondent_type=chosen["respondent_type"],
                answers=form.answers(), mark=form.cleaned_data["mark"], what_helped=form.cleaned_data["what_helped"],
                do_differently=form.cleaned_data["do_differently"], themes=form.cleaned_data["themes"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            if "next" in request.POST:
                messages.success(request, _("Saved. You can type in the next form."))
                return redirect(f"{reverse('outcomes:paper_entry', args=[group.pk])}?{_entry_query(start)}")
            messages.success(request, _("The form has been saved."))
            return redirect("outcomes:group_survey", group.pk)
    return render(request, "outcomes/survey_entry.html", {
        "group": group, "start": start, "chosen": chosen, "form": form,
        "respondent_type": RespondentType(chosen["respondent_type"]).label,
        "moment": SurveyResponse.Moment(chosen["moment"]).label,
        "change_url": f"{reverse('outcomes:paper_entry', args=[group.pk])}?{_entry_query(start)}&change=1",
    })


# --- Links and QR codes --------------------------------------------------------------------------


def _group_to_manage(request, group_pk) -> Group:
    group = _group(request, group_pk)
    if not services.may_manage_links(request.user, group):
        raise PermissionDenied
    return group


@access.registration_required
@require_http_methods(["GET", "POST"])
def link_create(request, group_pk):
    """Make a link (and QR code) residents open without an account."""
    group = _group_to_manage(request, group_pk)
    form = LinkForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            link = services.open_link(
                request.user, group, moment=form.cleaned_data["moment"], open_until=form.cleaned_data["open_until"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("The link has been made. Print the QR code or share the link."))
            return redirect(f"{reverse('outcomes:link_print', args=[group.pk])}?{urlencode({'link': link.pk})}")
    return render(request, "outcomes/survey_link_form.html", {"group": group, "form": form})


def _link_of(group, value) -> SurveyLink | None:
    value = (value or "").strip()
    if not value.isdigit() or len(value) > 18:
        return None
    return group.survey_links.filter(pk=int(value)).first()


@access.registration_required
@require_POST
def link_close(request, group_pk):
    """Close a link before its end date: from now on it shows "closed"."""
    group = _group_to_manage(request, group_pk)
    link = _link_of(group, request.POST.get("link"))
    if link is None:
        messages.error(request, _("This link cannot be found."))
    elif services.close_link(request.user, link):
        messages.success(request, _("The link has been closed. Nobody can fill in the survey through it any more."))
    else:
        messages.info(request, _("This link was closed already."))
    return redirect("outcomes:group_survey", group.pk)


@access.registration_required
@require_GET
def link_print(request, group_pk):
    """A printable page with the QR code and the address of one link (the newest open one by default)."""
    group = _group(request, group_pk)
    link = _link_of(group, request.GET.get("link"))
    if link is None:
        today = timezone.localdate()
        link = next((item for item in group.survey_links.order_by("-created_at", "-id")
                     if item.is_open(today)), None)
    if link is None:
        messages.info(request, _("There is no open link for this group yet."))
        return redirect("outcomes:group_survey", group.pk)
    url = public_url(request, link)
    return render(request, "outcomes/survey_print.html", {
        "group": group, "link": link, "url": url, "qr": qr_svg(url, scale=8), "open_now": link.is_open(),
    })


# --- The public page -----------------------------------------------------------------------------


def _public_link(token) -> SurveyLink | None:
    if not TOKEN_RE.match(token or ""):
        return None
    return SurveyLink.objects.select_related("group", "survey").filter(token=token).first()


def _closed(request, link):
    """Unknown (404) or no longer open (410): a friendly page, never an error."""
    return render(request, "outcomes/public_closed.html", {"link": link}, status=404 if link is None else 410)


def _public_page(request, link, start, form=None, status=200):
    context = {"link": link, "group_name": link.group.public_name or link.group.name}
    if form is None:
        return render(request, "outcomes/public_start.html", {**context, "form": start}, status=status)
    label = dict(PublicStartForm.base_fields["respondent_type"].choices).get(start.cleaned_data["respondent_type"])
    return render(request, "outcomes/public_form.html", {
        **context, "start": start, "form": form, "respondent_label": label, "min_respondents": MIN_RESPONDENTS,
    }, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def public_survey(request, token):
    """Fill in the survey through a link, without an account: who fills it in, then the statements."""
    link = _public_link(token)
    if link is None or not link.is_open():
        return _closed(request, link)
    source = request.POST if request.method == "POST" else request.GET
    start = PublicStartForm(source if _chosen(source) else None)
    if not start.is_bound or not start.is_valid():
        return _public_page(request, link, start)
    statements = services.statements_for(link.survey, start.cleaned_data["respondent_type"])
    form = ResponseForm(request.POST if request.method == "POST" else None, statements=statements, paper=False)
    if not (form.is_bound and form.is_valid()):
        return _public_page(request, link, start, form)
    thanks = redirect("outcomes:public_thanks", link.token)
    if form.is_spam():
        logger.info("Survey response through link %s refused: honeypot filled in", link.pk)
        return thanks  # the same answer as a stored one: a robot learns nothing
    if not within_rate_limit(request):
        form.add_error(None, _(
            "Many surveys have just been sent from this internet connection. Please wait a quarter of an hour "
            "and press Send again: your answers are still here."
        ))
        return _public_page(request, link, start, form, status=429)
    try:
        services.record_response(
            None, survey=link.survey, group=link.group, date=timezone.localdate(), moment=link.moment,
            channel=SurveyResponse.Channel.LINK, respondent_type=start.cleaned_data["respondent_type"],
            answers=form.answers(), mark=form.cleaned_data["mark"], what_helped=form.cleaned_data["what_helped"],
            do_differently=form.cleaned_data["do_differently"], link=link,
        )
    except ValidationError as error:
        form.add_error(None, error.messages)
        return _public_page(request, link, start, form)
    return thanks


@login_not_required
@require_GET
def public_thanks(request, token):
    link = _public_link(token)
    if link is None:
        return _closed(request, None)
    return render(request, "outcomes/public_thanks.html", {"link": link, "open_now": link.is_open()})


# --- Ervaringen: the survey table ----------------------------------------------------------------


def _labelled(rows, kinds):
    types = dict(RespondentType.choices)
    for row in rows:
        row["respondent_type_label"] = types.get(row["respondent_type"], row["respondent_type"])
        row["group_kind_label"] = kinds.get(row["group_kind"], row["group_kind"])
    return rows


def _by_statement(rows) -> list[dict]:
    grouped = []
    for row in rows:
        if not grouped or grouped[-1]["statement"] != row["statement"]:
            grouped.append({"statement": row["statement"], "text": row["text"], "cells": []})
        grouped[-1]["cells"].append(row)
    return grouped


def theme_counts(municipality, period) -> list[tuple[str, int]]:
    """How often each theme was given to the open answers of the period's responses, most first."""
    responses = responses_of(municipality, period).values("pk")
    return list(
        ThemeTag.objects.annotate(n=Count("survey_responses", filter=Q(survey_responses__in=responses)))
        .filter(n__gt=0).order_by("-n", "name").values_list("name", "n")
    )


@access.report_management_required
@never_cache
@require_GET
def survey_table_page(request):
    """Ervaringen: per statement × respondent type × group kind, cells under 5 respondents hidden."""
    municipalities = access.managed_municipalities(request.user).order_by("name")
    today = timezone.localdate()
    bound = any(key in request.GET for key in ("municipality", "period", "start", "end"))
    form = DashboardForm(request.GET if bound else {"period": str(today.year)}, municipalities=municipalities,
                         today=today)
    context = {"form": form, "min_respondents": MIN_RESPONDENTS}
    if not form.is_valid() or form.cleaned_data["municipality"] is None:
        return render(request, "outcomes/survey_table.html", context)
    municipality, period = form.cleaned_data["municipality"], form.cleaned_data["resolved_period"]
    kinds = {kind.code: kind.label for kind in GroupKind.objects.all()}
    responses = responses_of(municipality, period)
    context.update({
        "municipality": municipality,
        "period": period,
        "responses": responses.count(),
        "by_channel": dict(responses.values_list("channel").annotate(n=Count("id")).order_by()),
        "statements": _by_statement(_labelled(survey_table(municipality, period), kinds)),
        "marks": _labelled(marks(municipality, period), kinds),
        "themes": theme_counts(municipality, period),
    })
    return render(request, "outcomes/survey_table.html", context)
