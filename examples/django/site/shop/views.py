"""The shop's pages, and the two seams with socket-push: who a socket is, and a push to one user."""
import json
import urllib.request

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def home(request):
    return render(request, "shop/home.html", {"user": request.user, "socket_push_base": settings.SOCKET_PUSH_BASE})


def login_view(request):
    error = None
    if request.method == "POST":
        user = authenticate(request, username=request.POST.get("username"), password=request.POST.get("password"))
        if user is not None:
            login(request, user)
            return redirect("home")
        error = "wrong user name or password"
    return render(request, "shop/login.html", {"error": error})


@require_POST
def logout_view(request):
    user_id = request.user.id
    logout(request)
    if user_id is not None:
        # every tab and device of this user, on every member, every transport
        server_api("/api/users/%d/disconnect" % user_id, {"code": 4001, "reason": "logged out"})
    return redirect("home")


@login_required
@require_POST
def place_order(request):
    """Something happens for this user: socket-push tells every open page of theirs, and nobody else's."""
    server_api("/api/channels/user:%d" % request.user.id, {"text": "order received: " + request.POST.get("item", "?")})
    return JsonResponse({"ok": True})


@csrf_exempt  # socket-push posts JSON server to server; the browser's cookie comes along as a header
@require_POST
def socket_push_connect(request):
    """proxy.connectUrl: Django's own session decides who the socket is (docs/beside-your-app.md)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": {"code": 401, "message": "log in first"}})
    # (a "channels" list here would subscribe the socket server-side; the page subscribes itself, to get a callback)
    return JsonResponse({"result": {"user": str(request.user.id), "name": request.user.get_username()[:32]}})


def server_api(path, body):
    req = urllib.request.Request(settings.SOCKET_PUSH_URL + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "X-API-Key": settings.SOCKET_PUSH_API_KEY})
    with urllib.request.urlopen(req, timeout=5) as response:
        return json.load(response)
