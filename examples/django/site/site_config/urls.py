from django.urls import path

from shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("order/", views.place_order, name="order"),
    # asked by socket-push (proxy.connectUrl) before it accepts a socket without a token
    path("socket-push/connect", views.socket_push_connect, name="socket_push_connect"),
]
