from doluong.core.views_home import Panel


def panels(request):
    return [Panel("plugin_app/panel.html", {"greeting": "hello"}, order=50)]
