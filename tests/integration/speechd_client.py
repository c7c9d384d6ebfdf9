#!/usr/bin/python3
"""A Speech Dispatcher client on Debian's python3-speechd (run with the system python3).

Usage: speechd_client.py MODULE
Speaks four sentences in SSML with a mark before each of the last three and one at the end; pauses
a second into the second sentence, resumes a second later, and prints every event it receives as a
JSON line: {"t": monotonic seconds, "event": "begin|index_marks|pause|resume|end|cancel",
"mark": name or null}; "paused"/"resumed" lines say when it sent PAUSE and RESUME.
"""

import json
import sys
import threading
import time

import speechd

SENTENCES = (
    "Amber light spilled across the quiet harbor.",
    "A fisherman counted his nets twice before dawn.",
    "Seagulls argued loudly over a crust of bread.",
    "Then the tide turned and the boats went out.",
)


def main() -> int:
    module = sys.argv[1]
    lock = threading.Lock()
    first_mark = threading.Event()
    done = threading.Event()

    def say(line):
        with lock:
            print(json.dumps(line), flush=True)

    def callback(event, index_mark=None):
        say({"t": time.monotonic(), "event": event, "mark": index_mark})
        if event == speechd.CallbackType.INDEX_MARK and index_mark == "s1":
            first_mark.set()
        if event in (speechd.CallbackType.END, speechd.CallbackType.CANCEL):
            done.set()

    client = speechd.SSIPClient("readaloud-test")
    try:
        client.set_output_module(module)
        client.set_data_mode(speechd.DataMode.SSML)
        body = "".join(
            (f'<mark name="s{index}"/>' if index else "") + sentence + " "
            for index, sentence in enumerate(SENTENCES)
        )
        text = f'<speak>{body}<mark name="s{len(SENTENCES)}"/></speak>'
        events = [speechd.CallbackType.BEGIN, speechd.CallbackType.END, speechd.CallbackType.CANCEL,
                  speechd.CallbackType.PAUSE, speechd.CallbackType.RESUME, speechd.CallbackType.INDEX_MARK]
        client.speak(text, callback=callback, event_types=events)
        if not first_mark.wait(120):
            say({"error": "no mark s1"})
            return 1
        time.sleep(1.0)
        client.pause()
        say({"t": time.monotonic(), "event": "paused", "mark": None})
        time.sleep(1.0)
        client.resume()
        say({"t": time.monotonic(), "event": "resumed", "mark": None})
        if not done.wait(120):
            say({"error": "no end"})
            return 1
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
