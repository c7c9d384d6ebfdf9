"""``readaloud install-speechd``: module, module config and speechd.conf block, and doctor's check."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from readaloud.doctor.checks import Status, check_speechd
from readaloud.speechd import install


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"), "PATH": os.defpath}


@pytest.fixture
def system_conf(tmp_path: Path) -> Path:
    path = tmp_path / "etc" / "speechd.conf"
    path.parent.mkdir()
    path.write_text('DefaultModule espeak-ng\nInclude "clients/*.conf"\n')
    return path


def run_install(environ, system_conf, *, default=False, executable="/opt/py/bin/python3"):
    out = io.StringIO()
    assert install.install(out, default=default, environ=environ, executable=executable,
                           system_conf=system_conf) == 0
    return out.getvalue()


def test_fresh_install_keeps_the_system_configuration(home, system_conf, tmp_path):
    said = run_install(home, system_conf)
    where = install.SpeechdPaths.from_environ(home)
    assert where.module == tmp_path / "libexec" / "speech-dispatcher-modules" / "sd_readaloud"
    assert Path(home["XDG_DATA_HOME"]).is_dir()  # Speech Dispatcher's "../libexec" path goes through it
    wrapper = where.module.read_text()
    assert wrapper.startswith("#!/bin/sh\n")
    assert "exec /opt/py/bin/python3 -m readaloud.speechd \"$@\"" in wrapper
    assert where.module.stat().st_mode & stat.S_IXUSR
    assert "sd_readaloud" in where.module_config.read_text()
    conf = where.speechd_conf.read_text()
    assert conf.startswith(install.CREATED_NOTE)
    assert f'Include "{system_conf}"' in conf  # espeak-ng and every system setting stay
    assert "DefaultModule" not in conf.replace("# To make", "")  # not the default unless asked
    assert "AddModule" not in conf  # modules are detected: listing one would hide the others
    assert "--enable-speech-dispatcher" in said
    assert "espeak-ng" in said and "Orca" in said
    assert "install-speechd --default" in said


def test_default_and_reinstall_replace_the_block(home, system_conf):
    run_install(home, system_conf)
    run_install(home, system_conf, default=True)
    conf = install.SpeechdPaths.from_environ(home).speechd_conf.read_text()
    assert conf.count(install.BLOCK_BEGIN) == 1
    assert install.default_module(conf) == "readaloud"
    assert install.state(home).default == "readaloud"
    run_install(home, system_conf)
    conf = install.SpeechdPaths.from_environ(home).speechd_conf.read_text()
    assert install.default_module(conf) is None
    assert conf.count(install.BLOCK_END) == 1


def test_a_configuration_that_lists_its_modules_gets_ours_added(home, system_conf):
    where = install.SpeechdPaths.from_environ(home)
    where.speechd_conf.parent.mkdir(parents=True)
    original = 'AddModule "espeak-ng" "sd_espeak-ng" "espeak-ng.conf"\nDefaultRate 20\n'
    where.speechd_conf.write_text(original)
    run_install(home, system_conf, default=True)
    conf = where.speechd_conf.read_text()
    assert conf.startswith('AddModule "espeak-ng"')
    assert 'AddModule "readaloud" "sd_readaloud" "readaloud.conf"' in conf
    assert "DefaultRate 20" in conf
    assert not install.state(home).listed_elsewhere
    assert install.uninstall(io.StringIO(), environ=home) == 0
    assert where.speechd_conf.read_text() == original


def test_installed_console_script_is_linked(home, system_conf, tmp_path):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "sd_readaloud"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    said = run_install(home, system_conf, executable=str(bin_dir / "python"))
    module = install.SpeechdPaths.from_environ(home).module
    assert module.is_symlink() and module.resolve() == script
    assert "linked" in said


def test_uninstall_removes_everything_it_wrote(home, system_conf):
    run_install(home, system_conf, default=True)
    out = io.StringIO()
    assert install.uninstall(out, environ=home) == 0
    where = install.SpeechdPaths.from_environ(home)
    assert not where.module.exists() and not where.module.is_symlink()
    assert not where.module_config.exists()
    assert not where.speechd_conf.exists()  # readaloud created it and nothing else was added
    out = io.StringIO()
    install.uninstall(out, environ=home)
    assert "nothing to remove" in out.getvalue()


def test_uninstall_keeps_what_the_user_added_to_a_created_file(home, system_conf):
    run_install(home, system_conf)
    conf = install.SpeechdPaths.from_environ(home).speechd_conf
    conf.write_text(conf.read_text() + "DefaultVolume 50\n")
    install.uninstall(io.StringIO(), environ=home)
    assert "DefaultVolume 50" in conf.read_text()
    assert install.BLOCK_BEGIN not in conf.read_text()


def test_no_speech_dispatcher_at_all_is_an_error_with_the_fix(home, tmp_path):
    with pytest.raises(install.ReadaloudError, match="install speech-dispatcher"):
        run_install(home, tmp_path / "missing.conf")


class Probe:
    def __init__(self, environ, speechd: bool = True) -> None:
        self.environ = environ
        self._speechd = speechd

    def which(self, tool: str) -> str | None:
        return "/usr/bin/speech-dispatcher" if tool == "speech-dispatcher" and self._speechd else None


def test_doctor_reports_the_installation(home, system_conf, tmp_path):
    result = check_speechd(Probe(home, speechd=False))  # type: ignore[arg-type]
    assert result.status is Status.OK and "not installed" in result.detail
    result = check_speechd(Probe(home))  # type: ignore[arg-type]
    assert result.status is Status.OK and "install-speechd" in result.detail
    run_install(home, system_conf, default=True)
    result = check_speechd(Probe(home))  # type: ignore[arg-type]
    assert result.status is Status.OK and "the default voice" in result.detail
    result = check_speechd(Probe(home, speechd=False))  # type: ignore[arg-type]
    assert result.status is Status.WARN
    # The console script it linked to was removed.
    target = tmp_path / "gone" / "sd_readaloud"
    module = install.SpeechdPaths.from_environ(home).module
    module.unlink()
    module.symlink_to(target)
    result = check_speechd(Probe(home))  # type: ignore[arg-type]
    assert result.status is Status.FAIL and "install-speechd" in result.fix
