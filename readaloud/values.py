"""The closed sets of values the config accepts, shared with the CLI, D-Bus and the components.

Each set is written here once; ``readaloud.config`` validates against it, ``readaloud setup`` offers
it as choices, and the code that acts on a value imports it from here. Importing this module costs
nothing (the CLI builds its parser from it on every start). The modes of ``[text]`` live with the
text options (:mod:`readaloud.text.options`), the speed range with the core (:mod:`readaloud.core`).
"""

ENGINES = ("auto", "onnx", "torch")
PRECISIONS = ("fp32", "fp16", "int8")  # of the ONNX model file; "auto" picks one
ASSET_SOURCES = ("auto", "hf", "registry")
SELECTION_SOURCES = ("primary", "clipboard", "primary-then-clipboard")
READ_WHILE_SPEAKING = ("stop", "restart", "queue")  # [hotkeys].on_read_while_speaking
HOTKEY_ACTIONS = ("read_selection", "pause", "stop")  # the [hotkeys] keys that hold a combination
