"""Workflows of the experience survey that change data: record one response, open and close a link.

A response is saved with its answers and themes in one transaction, or not at all. It belongs to a
group, a moment and a channel, never to a resident: nothing here takes or stores a resident, a
name, a session or an IP address.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collectief import access
from collectief.models import log_event

from .models import Answer, RespondentType, Statement, Survey, SurveyLink, SurveyResponse

LINK_DAYS_OPEN = 28  # a new link stays open four weeks unless chosen otherwise


def statements_for(survey: Survey, respondent_type: str) -> list[Statement]:
    """The statements of ``survey`` asked of ``respondent_type``, in the survey's order."""
    return [s for s in survey.statements.order_by("position", "id") if s.applies_to(respondent_type)]


def record_response(
    user, *, survey: Survey, group, date: datetime.date, moment: str, channel: str, respondent_type: str,
    answers: dict, mark: int | None = None, what_helped: str = "", do_differently: str = "", themes=(),
    link: SurveyLink | None = None,
) -> SurveyResponse:
    """Save one filled-in survey: the response, an Answer per answered statement, its themes.

    ``answers`` maps a Statement (of ``survey``, asked of ``respondent_type``) to 1–5; a statement
    left unanswered is simply not in it and gets no Answer row. Anything else is refused with a
    ValidationError before anything is written.
    """
    if respondent_type not in RespondentType.values:
        raise ValidationError(_("Unknown respondent type."))
    for statement, value in answers.items():
        if statement.survey_id != survey.pk or not statement.applies_to(respondent_type):
            raise ValidationError(_("This statement is not asked of this respondent type."))
        if value not in (1, 2, 3, 4, 5):
            raise ValidationError(_("An answer lies between 1 and 5."))
    response = SurveyResponse(
        survey=survey, group=group, date=date, moment=moment, channel=channel, respondent_type=respondent_type,
        mark=mark, what_helped=what_helped.strip(), do_differently=do_differently.strip(),
    )
    response.full_clean()
    with transaction.atomic():
        response.save()
        Answer.objects.bulk_create(
            Answer(response=response, statement=statement, value=value) for statement, value in answers.items()
        )
        if themes:
            response.themes.set(themes)
        # Who typed it in (paper) or which link it came through; never who filled it in.
        data = {"group": group.pk, "channel": channel, "moment": moment, "answers": len(answers)}
        if link is not None:
            data["link"] = link.pk
        log_event(user, "survey_response.created", response, data)
    return response


def may_manage_links(user, group) -> bool:
    """A coordinator of the group's team (or an administrator), or one of the group's own social workers."""
    if access.coordinates_team(user, group.team_id):
        return True
    return group.facilitators.filter(pk=user.pk).exists()


def open_link(user, group, *, moment: str, open_until: datetime.date) -> SurveyLink:
    """A new link (and QR code) for the group's survey, open up to and including ``open_until``."""
    survey = Survey.current()
    if survey is None:
        raise ValidationError(_("There is no survey in use."))
    link = SurveyLink(group=group, survey=survey, moment=moment, open_until=open_until, created_by=user)
    link.full_clean()
    with transaction.atomic():
        link.save()
        log_event(user, "survey_link.created", link, {
            "group": group.pk, "moment": moment, "open_until": open_until.isoformat(),
        })
    return link


def close_link(user, link: SurveyLink) -> bool:
    """Close a link before its end date; False when it was closed already."""
    with transaction.atomic():
        closed = SurveyLink.objects.filter(pk=link.pk, closed_at__isnull=True).update(closed_at=timezone.now())
        if closed:
            link.refresh_from_db(fields=["closed_at"])
            log_event(user, "survey_link.updated", link, {"group": link.group_id, "closed": True})
    return bool(closed)
