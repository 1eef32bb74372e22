from doluong.core.surface import nav_link

nav_link("plugin_app", "Hello", "plugin_app:hello", order=1)
