"""Demo data of what the groups meant (issue 12), called by ``seed_demo`` after the groups exist.

Idempotent like the rest of the demo: rows are found by a natural key (a demo import key for the
survey responses, the display name of a story, the resident and moment of a measurement, the kind
of a change-wish note) and only missing ones are written. Deterministic: one random stream.

- change wishes linked to the enrolment they were made with; some reworded (the earlier wording
  kept), and for ended enrolments "hoe staat het met je veranderwens?" in the resident's words;
- Positive Health conversations (start and end) for residents of Geld Telt, enough pairs (≥ 5)
  for the internal paired-change view, with "hier wil ik over praten" flags;
- experience-survey responses on paper and by link for a support, a meet, a youth and a parent
  group (cells of 5 and more, one cell under 5 to show hiding), with marks and open answers;
- stories with tags, the linked residents with consent to be quoted, one chosen for the yearly
  report; an open survey link for the cooking group.
"""

import datetime
import random

from django.db.models import Min

from groups.models import Enrolment, Group
from participants.models import ChangeWish, ChangeWishNote, Consent, Measurement

from .models import Answer, Story, Survey, SurveyLink, SurveyResponse, ThemeTag

DAY = datetime.timedelta(days=1)
REWORDED = [
    ("Ik wil van mijn schulden af.", "Ik wil weer overzicht over mijn post en rekeningen."),
    ("Ik wil minder alleen zijn.", "Ik wil één keer per week iets met anderen doen."),
    ("Beter voor mezelf zorgen.", "Ik wil weer gezond koken, ook voor mij alleen."),
]
REFLECTIONS = [
    "Ik open mijn post nu elke week, samen met mijn buurvrouw uit de groep.",
    "Het gaat beter, maar ik vind het nog lastig om hulp te vragen.",
    "Ik heb nu vaste contacten, we wandelen ook buiten de groep.",
    "Ik ben er nog mee bezig, de groep heeft me wel rust gegeven.",
]
STORIES = [
    ("geld-telt", "Marieke", True, ["sociale_contacten", "praktische_tips", "zelfvertrouwen"],
     "Ik durfde mijn post niet meer open te maken. In de groep merkte ik dat ik niet de enige was. "
     "Nu maak ik elke maandag mijn enveloppen open, en als het spannend is bel ik iemand uit de groep."),
    ("kookgroep", "Henk", False, ["gezelligheid", "minder_eenzaam", "sociale_contacten"],
     "Sinds mijn vrouw overleed at ik alleen voor de tv. Op donderdag kook ik nu met anderen, en we "
     "lachen veel. Ik kijk er de hele week naar uit."),
    ("wandelgroep", "Fenna", False, ["bewegen", "sociale_contacten", "mentaal_welbevinden"],
     "Het wandelen zelf is fijn, maar het praten onderweg nog meer. Je vertelt makkelijker iets als je "
     "naast elkaar loopt."),
    ("scheiding", "Sandra", False, ["herkenning", "gesprekken", "emotionele_steun", "grenzen"],
     "Ik dacht dat ik gefaald had. Hier hoorde ik van anderen hoe zij het doen met de kinderen. Ik heb "
     "geleerd mijn grenzen aan te geven naar mijn ex."),
]
# (group code, respondent type, number of responses, channel, tendency 1–5)
RESPONSES = [
    ("geld-telt", "resident", 9, "paper", 4.2),
    ("kookgroep", "resident", 6, "link", 4.5),
    ("creatief", "resident", 6, "paper", 3.8),
    ("jongeren", "youth", 5, "link", 3.9),
    ("ouder-kind", "parent", 5, "paper", 4.1),
    ("ouder-kind", "resident", 3, "paper", 4.0),  # fewer than 5: hidden in the table
]
HELPED = ["De gezelligheid", "Dat ik niet de enige ben", "Praktische tips van anderen", "De begeleiders"]
DIFFERENTLY = ["Vaker bij elkaar komen", "Een andere tijd", "", "Meer uitleg aan het begin"]


class OutcomesDemo:
    def __init__(self, today: datetime.date, users: dict):
        self.today = today
        self.user = users.get("sociaalwerker")
        self.rng = random.Random(2012)
        self.groups = {g.external_id.removeprefix("demo-g-"): g for g in Group.objects.filter(
            external_id__startswith="demo-g-")}

    def run(self):
        self.wishes()
        self.positive_health()
        self.survey()
        self.stories()

    # --- change wishes ------------------------------------------------------------------------------

    def wishes(self):
        """Link each demo wish to the resident's enrolment nearest its start; reword some; reflect on
        the ended ones."""
        enrolments = {}
        for e in Enrolment.objects.filter(group__in=self.groups.values()).order_by("start_date", "id"):
            enrolments.setdefault(e.participant_id, []).append(e)
        wishes = ChangeWish.objects.filter(participant_id__in=enrolments).order_by("id")
        for index, wish in enumerate(wishes):
            own = enrolments[wish.participant_id]
            enrolment = min(own, key=lambda e: abs((e.start_date - wish.start_date).days))
            enrolment.change_wishes.add(wish)
            if index % 9 == 0:
                earlier, _now = REWORDED[(index // 9) % len(REWORDED)]
                ChangeWishNote.objects.get_or_create(
                    change_wish=wish, kind=ChangeWishNote.Kind.REWORDED,
                    defaults={"text": earlier, "date": min(wish.start_date + 14 * DAY, self.today)},
                )
            if enrolment.end_date and enrolment.end_date <= self.today and index % 3 == 0:
                ChangeWishNote.objects.get_or_create(
                    change_wish=wish, kind=ChangeWishNote.Kind.REFLECTION,
                    defaults={"text": REFLECTIONS[index % len(REFLECTIONS)], "date": enrolment.end_date,
                              "enrolment_id": enrolment.pk},
                )

    # --- Positive Health ------------------------------------------------------------------------------

    def positive_health(self):
        group = self.groups.get("geld-telt")
        if group is None:
            return
        ended = (
            Enrolment.objects.filter(group=group, end_date__isnull=False, end_date__lt=self.today)
            .order_by("-end_date", "id")[:7]
        )
        for number, enrolment in enumerate(ended):
            start = [self.rng.randint(3, 6) for _ in Measurement.DIMENSIONS]
            end = [min(10, s + self.rng.randint(0, 3)) for s in start]
            flags = [Measurement.DIMENSIONS[number % 6]]
            self._measure(enrolment.participant_id, "start", enrolment.start_date, start, flags, "together")
            self._measure(enrolment.participant_id, "end", enrolment.end_date, end, [], "resident")

    def _measure(self, participant_id, moment, day, scores, flags, filled_by):
        if Measurement.objects.filter(participant_id=participant_id, moment=moment, date=day).exists():
            return
        Measurement.objects.create(
            participant_id=participant_id, moment=moment, date=day, filled_by=filled_by, talk_about=flags,
            **dict(zip(Measurement.DIMENSIONS, scores, strict=True)),
        )

    # --- experience survey ----------------------------------------------------------------------------

    def survey(self):
        survey = Survey.current()
        statements = list(survey.statements.all())
        for code, respondent_type, count, channel, tendency in RESPONSES:
            group = self.groups.get(code)
            if group is None:
                continue
            for n in range(count):
                key = f"demo-{code}-{respondent_type}-{n}"
                if SurveyResponse.objects.filter(import_key=key).exists():
                    continue
                day = max(group.start_date, self.today - (20 + 11 * n) * DAY)
                response = SurveyResponse.objects.create(
                    survey=survey, group=group, date=day, channel=channel, respondent_type=respondent_type,
                    moment="end", mark=min(10, max(1, round(tendency * 2) - self.rng.randint(0, 2))),
                    what_helped=HELPED[n % len(HELPED)], do_differently=DIFFERENTLY[n % len(DIFFERENTLY)],
                    import_key=key,
                )
                Answer.objects.bulk_create(
                    Answer(response=response, statement=s, value=self._answer(tendency))
                    for s in statements if s.applies_to(respondent_type) and self.rng.random() > 0.08
                )
                response.themes.set(ThemeTag.objects.filter(code__in=["gezelligheid", "herkenning"][: 1 + n % 2]))
        kookgroep = self.groups.get("kookgroep")
        if kookgroep is not None and not kookgroep.survey_links.exists():
            SurveyLink.objects.create(group=kookgroep, survey=survey, moment="end",
                                      open_until=self.today + 28 * DAY, created_by=self.user)

    def _answer(self, tendency: float) -> int:
        return max(1, min(5, round(self.rng.gauss(tendency, 0.8))))

    # --- stories ----------------------------------------------------------------------------------------

    def stories(self):
        tags = {t.code: t for t in ThemeTag.objects.all()}
        for code, name, linked, tag_codes, text in STORIES:
            group = self.groups.get(code)
            if group is None or Story.objects.filter(group=group, display_name=name).exists():
                continue
            participant = None
            if linked:
                first = group.enrolments.aggregate(first=Min("participant_id"))["first"]
                if first is not None:
                    participant = first
                    if not Consent.objects.filter(participant_id=first, purpose=Consent.Purpose.QUOTE_REPORT,
                                                  given=True).exists():
                        Consent.objects.create(participant_id=first, purpose=Consent.Purpose.QUOTE_REPORT,
                                               given=True, date=self.today - 60 * DAY, recorded_by=self.user)
            story = Story.objects.create(
                group=group, participant_id=participant, display_name=name, text=text,
                date=self.today - 45 * DAY, created_by=self.user,
                chosen_for_year=(self.today - 45 * DAY).year if code == "geld-telt" else None,
            )
            story.tags.set([tags[c] for c in tag_codes if c in tags])


def seed(today: datetime.date, users: dict) -> None:
    OutcomesDemo(today, users).run()
