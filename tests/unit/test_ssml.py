"""SSML from Speech Dispatcher and Spiel clients: plain text to speak, marks at the right places."""

from hypothesis import given
from hypothesis import strategies as st

from readaloud.text.ssml import Mark, parse_ssml, plain_text


def test_speechd_message_with_its_own_and_the_clients_marks():
    # As Speech Dispatcher 0.11 sent it to a module (recorded): its __spd_ marks after each sentence.
    source = (
        '<speak>One two three.<mark name="__spd_0"/> <mark name="m1"/>Four five six.'
        '<mark name="__spd_1"/> <mark name="m2"/>Seven &amp; eight.<mark name="__spd_2"/></speak>'
    )
    parsed = parse_ssml(source)
    assert parsed.text == "One two three. Four five six. Seven & eight."
    assert [m.name for m in parsed.marks] == ["__spd_0", "m1", "__spd_1", "m2", "__spd_2"]
    text = parsed.text
    offsets = {m.name: m.offset for m in parsed.marks}
    assert text[: offsets["__spd_0"]] == "One two three."
    assert text[: offsets["m1"]] == "One two three. "
    assert text[offsets["m2"] :] == "Seven & eight."
    assert offsets["__spd_2"] == len(text)


def test_entities_and_source_offsets():
    source = "<speak>Tom &amp; Jerry&#33; &lt;3</speak>"
    parsed = parse_ssml(source)
    assert parsed.text == "Tom & Jerry! <3"
    amp = parsed.text.index("&")
    assert source[parsed.source_offset(amp) :].startswith("&amp;")
    assert source[parsed.source_offset(parsed.text.index("J")) :].startswith("Jerry")
    assert parsed.source_offset(len(parsed.text)) == len(source)
    start, end = parsed.source_span(0, len("Tom &"))
    assert source[start:end] == "Tom &amp;"


def test_blocks_separate_sentences_and_other_tags_are_dropped():
    parsed = parse_ssml(
        '<speak><p>First paragraph</p><p><s>Second</s><s>third</s></p>'
        '<prosody rate="fast">quick</prosody> <emphasis>words</emphasis><break time="1s"/>end</speak>'
    )
    assert parsed.text.split() == ["First", "paragraph", "Second", "third", "quick", "words", "end"]
    assert "paragraph\nSecond" in parsed.text
    assert "third\nquick" in parsed.text
    assert "quick words" in parsed.text  # inline elements do not break
    assert "words\nend" in parsed.text


def test_sub_alias_is_spoken_instead_of_its_content():
    source = '<speak><sub alias="World Wide Web">WWW</sub> consortium</speak>'
    parsed = parse_ssml(source)
    assert parsed.text == "World Wide Web consortium"
    start, end = parsed.source_span(0, len("World Wide Web"))
    assert source[start:end] == '<sub alias="World Wide Web">WWW</sub>'


def test_broken_markup_is_read_as_text():
    parsed = parse_ssml("x < y and a<b, 3 > 2 <mark name='ok'/>done")
    assert parsed.text == "x < y and a<b, 3 > 2 done"
    assert parsed.marks == (Mark("ok", len("x < y and a<b, 3 > 2 ")),)


def test_comments_cdata_and_namespaces():
    parsed = parse_ssml(
        '<?xml version="1.0"?><speak xmlns="http://www.w3.org/2001/10/synthesis">'
        "<!-- a note -->a <![CDATA[<b> & c]]> <ssml:mark name=\"n\"/>d</speak>"
    )
    assert parsed.text == "a <b> & c d"
    assert parsed.marks == (Mark("n", len("a <b> & c ")),)


def test_plain_text_is_unchanged():
    parsed = plain_text("a <b> &amp; c")
    assert parsed.text == "a <b> &amp; c"
    assert parsed.marks == ()
    assert parsed.source_offset(3) == 3


@given(st.text(alphabet=st.sampled_from(list("ab <>/&;\"'=markne")), max_size=60))
def test_never_fails_and_marks_point_into_the_text(source):
    parsed = parse_ssml(source)
    assert len(parsed.sources) == len(parsed.text) + 1
    assert all(0 <= m.offset <= len(parsed.text) for m in parsed.marks)
    assert list(parsed.sources) == sorted(parsed.sources)
    assert len(parsed.ends) == len(parsed.text)
    spans = zip(parsed.sources, parsed.ends, parsed.text, strict=False)
    assert all(start < end or char == "\n" for start, end, char in spans)
