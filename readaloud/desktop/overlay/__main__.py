"""``python -m readaloud.desktop.overlay``: the reading bar process (see :mod:`.protocol`).

It reads messages on stdin, writes button clicks to stdout, and exits on ``quit`` or when stdin
closes (the daemon went away). ``--probe`` only checks that a window can be opened here and prints
the Qt platform (for ``readaloud doctor``). Logs go to stderr, which the daemon passes on; they never
contain the text being read.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from readaloud.dbus.names import APP_ID

log = logging.getLogger("readaloud.desktop.overlay")

# A line longer than this is not from the daemon (the longest sentence is far shorter).
MAX_LINE = 1 << 20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m readaloud.desktop.overlay")
    parser.add_argument("--probe", action="store_true",
                        help="check that the bar can open a window here, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="readaloud overlay: %(levelname)s: %(message)s")
    # The daemon ends the bar with SIGTERM or by closing stdin; no Python handler is needed.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # A bar that never takes the focus makes Qt's Wayland text input complain on every hide.
    os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.wayland.textinput=false")
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as error:
        print(f"readaloud overlay: error: PySide6 is missing ({error}); "
              "install it with: pip install 'readaloud[overlay]'", file=sys.stderr)
        return 1
    app = QApplication(["readaloud-overlay"])  # argv[0] names the X11 WM_CLASS
    app.setApplicationName("readaloud")
    app.setDesktopFileName(APP_ID)  # the Wayland app id
    app.setQuitOnLastWindowClosed(False)
    if args.probe:
        print(app.platformName())
        return 0
    return _serve(app)


def _serve(app: object) -> int:
    from PySide6.QtCore import QSocketNotifier
    from PySide6.QtWidgets import QApplication

    from readaloud.desktop.overlay import protocol
    from readaloud.desktop.overlay.window import ReadingBar
    from readaloud.errors import BarProtocolError

    assert isinstance(app, QApplication)
    out = sys.stdout.buffer

    def send(message: protocol.FromBar) -> None:
        try:
            out.write(protocol.encode(message))
            out.flush()
        except (BrokenPipeError, ValueError):  # the daemon is gone
            app.quit()

    bar = ReadingBar(lambda command: send(protocol.Clicked(command)))
    pending = bytearray()
    stdin = sys.stdin.buffer.fileno()
    os.set_blocking(stdin, False)

    def dispatch(message: protocol.Message) -> None:
        if isinstance(message, protocol.ShowSentence):
            bar.show_sentence(message.text)
        elif isinstance(message, protocol.ShowWord):
            bar.show_word(message.start, message.end)
        elif isinstance(message, protocol.SetState):
            bar.set_state(message.state)
        elif isinstance(message, protocol.Quit):
            app.quit()

    def read_stdin() -> None:
        try:
            chunk = os.read(stdin, 65536)
        except BlockingIOError:
            return
        if not chunk:
            app.quit()
            return
        pending.extend(chunk)
        while (newline := pending.find(b"\n")) != -1:
            line = bytes(pending[:newline])
            del pending[:newline + 1]
            try:
                dispatch(protocol.decode(line))
            except BarProtocolError as error:
                log.warning("ignored a message: %s", error)
        if len(pending) > MAX_LINE:
            log.warning("ignored an over-long message")
            pending.clear()

    notifier = QSocketNotifier(stdin, QSocketNotifier.Type.Read)
    notifier.activated.connect(read_stdin)
    send(protocol.Ready())
    status = app.exec()
    notifier.setEnabled(False)
    return int(status)


if __name__ == "__main__":
    sys.exit(main())
