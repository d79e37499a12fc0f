import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from audit import settings  # noqa: E402

settings.apply()  # the tests run the configuration users get
