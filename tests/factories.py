"""factory_boy factories for every model the tests build."""

import datetime

import factory
from django.contrib.auth import get_user_model

from collectief.models import Membership, Municipality, MunicipalityUser, Neighbourhood, Team
from groups.models import Attendance, Enrolment, Group, Session
from participants.models import ChangeWish, Consent, HelpRequest, IndividualSupport, Participant


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    # Not Faker: its Dutch surnames include place names ("van het Heerenveen") that privacy tests
    # look for on pages; a staff user's surname must never look like test data.
    last_name = factory.Sequence(lambda n: f"Collega{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "geheim-wachtwoord")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Gemeente {n}")


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Wijk {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Wijkteam {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Membership.Role.SOCIAL_WORKER


class MunicipalityUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MunicipalityUser

    user = factory.SubFactory(UserFactory)
    municipality = factory.SubFactory(MunicipalityFactory)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    team = factory.SubFactory(TeamFactory)
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    birth_date = factory.Faker("date_of_birth", minimum_age=18, maximum_age=85)
    postcode = factory.Faker("postcode", locale="nl_NL")


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    participant = factory.SubFactory(ParticipantFactory)
    purpose = Consent.Purpose.REGISTRATION
    given = True
    date = factory.LazyFunction(datetime.date.today)


class ChangeWishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeWish

    participant = factory.SubFactory(ParticipantFactory)
    text = "Ik wil weer grip op mijn geld."
    life_domain_id = "financien"


class HelpRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpRequest

    participant = factory.SubFactory(ParticipantFactory)
    theme = "Geldzorgen"
    life_domain_id = "financien"


class IndividualSupportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndividualSupport

    participant = factory.SubFactory(ParticipantFactory)
    product = "Thuisondersteuning"
    framework_id = "wmo"
    start_date = datetime.date(2024, 1, 1)
    end_date = None


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Collectief {n}")
    kind_id = "support"
    team = factory.SubFactory(TeamFactory)
    status = Group.Status.RUNNING
    rhythm = Group.Rhythm.WEEKLY
    usual_weekday = 1
    usual_time = datetime.time(10, 0)
    start_date = datetime.date(2024, 1, 1)

    @factory.post_generation
    def life_domains(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.life_domains.set(extracted)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    participant = factory.SubFactory(ParticipantFactory)
    group = factory.SubFactory(GroupFactory)
    start_date = datetime.date(2024, 1, 1)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    group = factory.SubFactory(GroupFactory)
    date = datetime.date(2024, 2, 6)
    start_time = factory.Sequence(lambda n: datetime.time(8 + (n // 60) % 12, n % 60))
    status = Session.Status.HELD


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    participant = factory.SubFactory(ParticipantFactory)
    status = Attendance.Status.PRESENT
