import json
import subprocess
import sys

import hotspots


def test_import_pulls_no_optional_or_presentation_packages():
    code = (
        "import sys, json, hotspots; "
        "print(json.dumps(sorted(m for m in ('folium', 'branca', 'jinja2', 'matplotlib', "
        "'hypothesis', 'playwright', 'openpyxl', 'esda') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_version_and_all_names_resolve():
    assert hotspots.__version__ == "0.1.0"
    missing = [name for name in hotspots.__all__ if not hasattr(hotspots, name)]
    assert missing == []
    assert list(hotspots.__all__) == sorted(hotspots.__all__)
