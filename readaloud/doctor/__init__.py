"""``readaloud doctor``: :mod:`~readaloud.doctor.checks` judges the facts that
:mod:`~readaloud.doctor.probe` gathers from the machine, one line per check with the fix."""
