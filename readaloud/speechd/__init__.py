"""readaloud as a Speech Dispatcher output module (``sd_readaloud``) and its installation."""
