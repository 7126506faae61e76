"""The survey link: the county's assessment as a plain web form, with no kernel per person.

Modules, in the order a request meets them: :mod:`.app` (where the handlers
run: beside voila, in jupyter_server, or alone), :mod:`.handlers` (the pages
and sending), :mod:`.form` (the view model and the checks, pure),
:mod:`.i18n` (the form's own words per language), :mod:`.flyer` (a printable
page with the link and a QR code) and :mod:`.cli` (``orb survey``).
"""


def _jupyter_server_extension_points():
    return [{"module": "orb_widgets.survey.app"}]
