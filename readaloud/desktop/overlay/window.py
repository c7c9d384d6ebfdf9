"""The reading bar's window (PySide6): the sentence with the word being heard highlighted, and
Pause/Resume, Skip and Stop buttons.

A frameless tool window that stays on top and never takes the keyboard focus (the user keeps typing
where they were), near the bottom of the screen, hidden while nothing is read. Drag it anywhere to
move it. On Wayland the compositor decides where it goes and may ignore "stay on top".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from readaloud.desktop.overlay.markup import (
    BAR_BACKGROUND,
    BAR_TEXT,
    EXCERPT_CHARS,
    Span,
    excerpt,
    highlight_html,
)
from readaloud.desktop.overlay.protocol import BarState, Command

TITLE = "readaloud reading bar"
LINES = 3
WIDTH = 900  # at most; less on a narrow screen
MARGIN_BOTTOM = 48  # above the panel or dock (outside the available geometry already)

_STYLE = f"""
QWidget#bar {{ background-color: {BAR_BACKGROUND}; border: 1px solid #5f6368; }}
QLabel {{ color: {BAR_TEXT}; background: transparent; }}
QPushButton {{ color: {BAR_TEXT}; background-color: #3c4043; border: none; border-radius: 4px;
               padding: 4px 12px; }}
QPushButton:hover {{ background-color: #5f6368; }}
"""


class ReadingBar(QWidget):
    """The bar. ``send(command)`` is called when a button is clicked."""

    def __init__(self, send: Callable[[Command], None]) -> None:
        super().__init__(None, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setObjectName("bar")
        self.setWindowTitle(TITLE)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(_STYLE)
        self._sentence = ""
        self._word: Span | None = None
        self._state = BarState.IDLE

        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        font = self.text.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.text.setFont(font)
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * LINES + 8)

        self.pause_button = self._button("Pause", Command.TOGGLE_PAUSE, send)
        self.skip_button = self._button("Skip", Command.SKIP, send)
        self.stop_button = self._button("Stop", Command.STOP, send)
        buttons = QVBoxLayout()
        buttons.setSpacing(4)
        for button in (self.pause_button, self.skip_button, self.stop_button):
            buttons.addWidget(button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 8, 8)
        layout.setSpacing(12)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self._place()

    # -- what the daemon tells it ---------------------------------------------------------------

    def show_sentence(self, text: str) -> None:
        self._sentence, self._word = text, None
        self._render()
        if self._state is BarState.IDLE:
            # A sentence is being heard: the bar shows even if the state message was lost.
            self.set_state(BarState.SPEAKING)

    def show_word(self, start: int, end: int) -> None:
        self._word = (start, end)
        self._render()

    def set_state(self, state: BarState) -> None:
        self._state = state
        self.pause_button.setText("Resume" if state is BarState.PAUSED else "Pause")
        if state is BarState.IDLE:
            self.hide()
            self._sentence, self._word = "", None
            self._render()
        elif not self.isVisible():
            self.show()

    # -- internals ----------------------------------------------------------------------------------

    def _button(self, label: str, command: Command, send: Callable[[Command], None]) -> QPushButton:
        button = QPushButton(label)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setToolTip({Command.TOGGLE_PAUSE: "Pause or resume reading",
                           Command.SKIP: "Skip to the next sentence",
                           Command.STOP: "Stop reading"}[command])
        button.clicked.connect(lambda: send(command))
        return button

    def _render(self) -> None:
        metrics = self.text.fontMetrics()
        per_line = max(20, self.text.width() // max(1, metrics.averageCharWidth()))
        # Leave room for wrapping at word ends; never more than the default excerpt.
        limit = min(EXCERPT_CHARS, int(per_line * LINES * 0.8))
        self.text.setText(highlight_html(excerpt(self._sentence, self._word, limit)))

    def _place(self) -> None:
        screen = self.screen()
        if screen is None:
            return
        area = screen.availableGeometry()
        width = min(WIDTH, int(area.width() * 0.9))
        # A fixed size also asks tiling compositors (sway, i3) to float the bar rather than tile it.
        self.setFixedSize(width, self.sizeHint().height())
        self.move(area.x() + (area.width() - width) // 2,
                  area.y() + area.height() - self.height() - MARGIN_BOTTOM)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        handle = self.windowHandle()
        if event.button() == Qt.MouseButton.LeftButton and handle is not None:
            handle.startSystemMove()  # the window manager (or compositor) moves it, X11 and Wayland
            event.accept()
            return
        super().mousePressEvent(event)
