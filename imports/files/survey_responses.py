"""survey_responses.csv: experience surveys filled in on paper in bulk, one row per filled-in form.

Columns (DESIGN.md): group (its external id), date, respondent_type (resident, youth, parent), channel
(paper, link), one column per statement code of the survey in use with an answer 1–5 or empty, and
mark (1–10 or empty). The statement columns are optional one by one: a file holds the ones it has;
a column that is no statement code is refused with the header. The moment is not a column: imported
responses count as taken at the end of the group.

A row is one anonymous response: it names a group, never a resident. Each row is checked on its
own: an answer outside 1–5, a statement that is not asked of the row's respondent type (geleerd is
for young people only, gezin_geleerd for parents and carers), a date in the future or before the
group started, and a row without any answer or mark are errors with file, line and column.

There is no external id, so re-importing is made safe by a key per row (``SurveyResponse.import_key``):
a hash of what the row says (group, date, respondent type, channel, mark, answers) and how many
identical rows came before it in the same file. Importing the same file again, or the same
spreadsheet with rows added at any place, finds the rows already imported and leaves them
unchanged; only new rows are added. The one case this cannot tell apart: two *separate* files that
each hold an identical form for the same group and date count it once. Put all forms of one group
and date in one file (as a spreadsheet that grows) and nothing is lost or counted twice.
"""

import hashlib
import json

from django.utils import timezone
from django.utils.translation import gettext as _

from groups.models import Group
from outcomes.models import Answer, RespondentType, Survey, SurveyResponse

from ..columns import INT_RE, Code, Date, Number, Reference
from ..lookups import chunks
from ..spec import BATCH, FileSpec


def statement_codes() -> list[str]:
    """The statement codes of the survey in use: the optional answer columns (read when a run starts)."""
    survey = Survey.current()
    if survey is None:
        return []
    return list(survey.statements.order_by("position", "id").values_list("code", flat=True))


class SurveyResponses(FileSpec, name="survey_responses.csv", order=80, model=SurveyResponse):
    columns = (
        Reference("group", "group_id", kind="group"),
        Date("date", "date", required=True),
        Code("respondent_type", "respondent_type", source=RespondentType, required=True),
        Code("channel", "channel", source=SurveyResponse.Channel, required=True),
        Number("mark", "mark", bounds=(1, 10), default=None),
    )
    key = ("import_key",)
    key_column = "group"

    @classmethod
    def optional_columns(cls) -> list[str]:
        return super().optional_columns() + statement_codes()

    def prepare(self, ctx, rows):
        survey = Survey.current()
        if survey is None:
            ctx.result.error(1, "", _("There is no survey in use: nothing can be imported into it."))
        statements = {s.code: s for s in survey.statements.all()} if survey else {}
        group_ids = {ctx.lookups.reference("group", values.get("group", "")) for _line, values in rows} - {None}
        starts = {}
        for chunk in chunks(group_ids):
            starts.update(Group.objects.filter(pk__in=chunk).values_list("pk", "start_date"))
        ctx.state.update(
            survey=survey, statements=statements, starts=starts, today=timezone.localdate(), seen={}, answers={},
        )

    # --- One row ---------------------------------------------------------------------------------

    def check_row(self, ctx, row):
        if ctx.state["survey"] is None:
            return
        self._check_date(ctx, row)
        answers = self._answers(ctx, row)
        if row.ok and not answers and row.get("mark") is None:
            row.error("", _("This row holds no answer and no mark: a form that was handed in empty is left out."))
        if row.ok:
            key = self._import_key(ctx, row, answers)
            row.extra["import_key"] = key
            ctx.state["answers"][key] = answers
            row.data.update(survey_id=ctx.state["survey"].pk, moment=SurveyResponse.Moment.END, import_key=key)

    @staticmethod
    def _check_date(ctx, row):
        day, group_id = row.get("date"), row.get("group")
        if day is None:
            return
        if day > ctx.state["today"]:
            row.error("date", _("The date %(date)s lies in the future.") % {"date": day.isoformat()})
        start = ctx.state["starts"].get(group_id)
        if start and day < start:
            row.error("date", _(
                "The date %(date)s lies before group '%(group)s' started (%(start)s)."
            ) % {"date": day.isoformat(), "group": row.values["group"], "start": start.isoformat()})

    @staticmethod
    def _answers(ctx, row) -> dict[str, int]:
        """{statement code: 1–5} of the answered statement columns; errors name the column."""
        respondent_type, answers = row.get("respondent_type"), {}
        for code, statement in ctx.state["statements"].items():
            value = row.values.get(code, "")
            if not value:
                continue
            if not INT_RE.match(value) or not 1 <= int(value) <= 5:
                row.error(code, _(
                    "'%(value)s' is not an answer; expected 1 to 5 (1–2 disagree, 3 neutral, 4–5 agree) or empty."
                ) % {"value": value})
                continue
            if respondent_type and not statement.applies_to(respondent_type):
                asked = ", ".join(statement.respondent_types)
                row.error(code, _(
                    "Statement '%(code)s' is not asked of respondent type %(type)s (only of: %(asked)s); leave "
                    "it empty on this row."
                ) % {"code": code, "type": respondent_type, "asked": asked})
                continue
            answers[code] = int(value)
        return answers

    @staticmethod
    def _import_key(ctx, row, answers) -> str:
        """What the row says, and how many identical rows came before it in this file."""
        content = json.dumps([
            row.get("group"), row.get("date").isoformat(), row.get("respondent_type"), row.get("channel"),
            row.get("mark"), sorted(answers.items()),
        ])
        seen = ctx.state["seen"]
        seen[content] = seen.get(content, 0) + 1
        return hashlib.sha256(f"{content}#{seen[content]}".encode()).hexdigest()

    # --- The rows against the database -----------------------------------------------------------

    def existing(self, rows):
        found = {}
        for chunk in chunks(row.key[0] for row in rows):
            for obj in SurveyResponse.objects.filter(import_key__in=chunk):
                found[(obj.import_key,)] = obj
        return found

    def check_rows(self, ctx, rows, existing):
        """Rows imported before are left as they are (counted unchanged); only new ones are written."""
        if ctx.state["survey"] is None:
            return []
        new = [row for row in rows if row.key not in existing]
        ctx.result.unchanged += len(rows) - len(new)
        return new

    def after_save(self, ctx, rows, creates, updates):
        """An Answer row per answered statement of each new response (bulk)."""
        statements, answers = ctx.state["statements"], ctx.state["answers"]
        Answer.objects.bulk_create(
            (
                Answer(response=response, statement=statements[code], value=value)
                for response in creates
                for code, value in answers[response.import_key].items()
            ),
            batch_size=BATCH,
        )
