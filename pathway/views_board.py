from django.http import HttpResponse

from collectief.access import registration_required


@registration_required
def board(request):  # placeholder, replaced by the real view
    return HttpResponse("")
