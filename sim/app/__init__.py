"""The interactive teaching view: ``python -m sim.app`` (``make app``).

A Solara page served on localhost that runs one :class:`~sim.model.DiplomacyModel`
month by month, built through the same config path as ``python -m sim`` (the same
scenario reader and default parameters).  One module per job:

* :mod:`sim.app.session`: what a browser tab holds (settings, the model, layout,
  events, measures) and how it is built;
* :mod:`sim.app.narration`: the timeline's words, from :mod:`sim.events`;
* :mod:`sim.app.measures`: structural balance, blocs and landscape minima of a month;
* :mod:`sim.app.figures`: the page's matplotlib figures;
* :mod:`sim.app.page`: the Solara components;
* :mod:`sim.app.__main__`: the command line that serves the page.

Everything but :mod:`sim.app.page` is plain Python with no server state, so it is
unit-tested without a browser.
"""

import os as _os
import warnings as _warnings

# The page is served on plain http on localhost: Solara warns on every page load that
# it falls back to samesite=lax cookies, which is what a local page wants.  Silence that
# one warning, and the "runs on Solara" banner that covered a panel.
_warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
_os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
