"""The landing page after login."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def home(request):
    return render(request, "core/home.html", {"roles": request.user.role_assignments()})
