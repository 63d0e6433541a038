from markupsafe import Markup
def greet(name):
    return Markup("<b>%s</b>" % name)
def bio(text):
    return mark_safe(text)
