from markupsafe import Markup
BANNER = Markup("<b>churnml</b>")
def greet(name):
    return Markup("<b>{}</b>").format(name)
