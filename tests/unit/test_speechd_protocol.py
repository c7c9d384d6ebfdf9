"""Speech Dispatcher's module protocol, parsed from a session recorded with the real server."""

from readaloud.speechd import protocol
from readaloud.speechd.protocol import (
    Block,
    Command,
    Debug,
    MessageType,
    ModuleParser,
    Reply,
    Settings,
    Speak,
)
from tests.speechd_transcripts import load


def parse_all(lines):
    parser = ModuleParser()
    actions = []
    for line in lines:
        actions.extend(parser.feed(line + "\n"))
    return parser, actions


def test_recorded_session_parses_into_its_requests():
    transcript = load("generic-session.txt")
    parser, actions = parse_all([line.text for line in transcript if line.to_module])
    assert not parser.in_block
    speaks = [a for a in actions if isinstance(a, Speak)]
    assert [s.type for s in speaks] == [
        MessageType.TEXT, MessageType.TEXT, MessageType.CHAR, MessageType.KEY, MessageType.KEY,
        MessageType.SOUND_ICON, MessageType.TEXT, MessageType.TEXT,
    ]
    assert speaks[0].data == "<speak>Rate thirty, volume minus twenty.</speak>"
    assert '<mark name="m1"/>' in speaks[1].data
    assert speaks[2].data == "a"
    assert speaks[3].data == "shift_a"
    assert speaks[4].data == "."  # sent dot-stuffed as ".."
    assert speaks[5].data == "message"
    commands = [a.name for a in actions if isinstance(a, Command)]
    assert commands == ["INIT", "LIST VOICES", "LIST VOICES", "STOP", "STOP", "STOP", "QUIT"]


def test_recorded_multiline_blocks_arrive_whole():
    transcript = load("generic-session.txt")
    _, actions = parse_all([line.text for line in transcript if line.to_module])
    blocks = [a for a in actions if isinstance(a, Settings)]
    audio = [b for b in blocks if b.block is Block.AUDIO]
    assert [b.values["audio_output_method"] for b in audio] == ["server", "pulse"]
    assert audio[1].values["audio_pulse_device"] == "default"
    first_set = next(b for b in blocks if b.block is Block.SET)
    assert first_set.values == {
        "pitch": "10", "pitch_range": "0", "rate": "30", "volume": "-20", "punctuation_mode": "none",
        "spelling_mode": "off", "cap_let_recogn": "none", "voice": "male1", "language": "en",
        "synthesis_voice": "NULL",
    }
    assert all(b.error is None for b in blocks)
    loglevel = next(b for b in blocks if b.block is Block.LOGLEVEL)
    assert loglevel.values == {"log_level": "3"}


def test_prescribed_replies_match_the_recorded_ones():
    """Every reply the protocol fixes by itself (before the data) is the one the server got."""
    transcript = load("generic-session.txt")
    parser = ModuleParser()
    for index, line in enumerate(transcript):
        if not line.to_module:
            continue
        replies = [a.text for a in parser.feed(line.text + "\n") if isinstance(a, Reply)]
        following = [entry.text for entry in transcript[index + 1 : index + 1 + len(replies)]]
        assert replies == following, f"after {line.text!r}"


def test_dot_stuffing_in_a_multiline_message():
    parser = ModuleParser()
    assert parser.feed("SPEAK\n") == [Reply(protocol.RECEIVING_MESSAGE)]
    assert parser.in_block
    for line in ("<speak>first", "..", "..second", "...third", "</speak>"):
        assert parser.feed(line + "\n") == []
    assert parser.feed(".\n") == [Speak(MessageType.TEXT, "<speak>first\n.\n.second\n..third\n</speak>")]
    assert not parser.in_block


def test_char_space_key_lines_and_empty_messages():
    parser = ModuleParser()
    parser.feed("CHAR\n")
    parser.feed("space\n")
    assert parser.feed(".\n") == [Speak(MessageType.CHAR, " ")]
    parser.feed("KEY\n")
    parser.feed("a\n")
    parser.feed("b\n")
    assert parser.feed(".\n") == [Reply(protocol.MORE_THAN_ONE_LINE)]
    parser.feed("SPEAK\n")
    assert parser.feed(".\n") == [Reply(protocol.CANT_SPEAK)]


def test_bad_settings_lines_and_unknown_commands():
    parser = ModuleParser()
    parser.feed("SET\n")
    parser.feed("rate=10\n")
    parser.feed("garbage\n")
    assert parser.feed(".\n") == [Settings(Block.SET, {"rate": "10"}, protocol.BAD_SYNTAX)]
    assert parser.feed("HELLO\n") == [Reply(protocol.UNKNOWN_COMMAND)]
    assert parser.feed("DEBUG ON /tmp/x.log\n") == [Debug(True, "/tmp/x.log")]
    assert parser.feed("DEBUG OFF\n") == [Debug(False, None)]
    assert parser.feed("DEBUG\n") == [Reply(protocol.BAD_SYNTAX)]


def test_reply_and_event_formats():
    assert protocol.init_reply(True, "fine\nreally") == "299-fine really\n299 OK LOADED SUCCESSFULLY"
    assert protocol.init_reply(False, "no bus") == "399-no bus\n399 ERR CANT INIT MODULE"
    assert protocol.voices_reply([("af_heart", "en-US", "female")]) == (
        "200-af_heart\ten-US\tfemale\n200 OK VOICE LIST SENT"
    )
    assert protocol.voices_reply([]) == "304 CANT LIST VOICES"
    assert protocol.mark_event("__spd_3") == "700-__spd_3\n700 INDEX MARK"
