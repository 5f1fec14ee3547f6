"""The outcomes app's URLs, one module per part: the experience survey (urls_survey.py).

Included at the root of collectief/urls.py; each module's paths carry their own prefixes.
"""

from . import urls_answers, urls_health, urls_stories, urls_survey

app_name = "outcomes"

urlpatterns = (
    urls_survey.urlpatterns + urls_answers.urlpatterns + urls_stories.urlpatterns + urls_health.urlpatterns
)
