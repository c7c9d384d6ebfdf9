"""Support code shared by the tests and the benchmarks in ``bench/``: real private services (bus,
sound server, display, daemon), a PulseAudio recorder, random torch weights. No pytest here."""
