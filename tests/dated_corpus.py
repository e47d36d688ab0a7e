"""Dated articles written for the filter, article-list, metadata-question and period tests (invented towns, people
and events), with dates, bylines and sections in YAML front matter or HTML meta tags, and a session index of them.

A test module brings the fixture in with ``from dated_corpus import dated_fixture  # noqa: F401`` and asks for
``dated`` (a ``Dated``: seeds and index folders, built once per session with the real model).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

# Extra paragraphs, so the political articles hold several passages each (the top k must fill from them).
_COUNCIL = [
    "The finance committee met three times before the vote and heard from the town's auditors each time.",
    "Several residents spoke at the public session, most of them about the state of the roads near the harbour.",
    "The council's treasurer said the town's reserves would fall below the level the auditors recommend.",
    "A late amendment moved money from the parks budget to the winter gritting of the hill roads.",
    "The mayor's office published the full spending tables on the council noticeboard the next morning.",
    "Shopkeepers on the market square asked for the parking charges to stay as they are until the autumn.",
    "The council agreed to review the spending plan again in six months, once the bridge costs are known.",
    "Two councillors abstained, saying they had received the final figures only the night before.",
]


def _padded(head: str, body: str, extra: list[str]) -> str:
    return head + body + "\n" + "\n\n".join(extra) + "\n"


ARTICLES: dict[str, str] = {
    "politics/budget-march.md": _padded(
        """---
title: Dunmere council passes the spring budget
date: 2005-03-11
author: Maren Holt
section: politics
---
# Dunmere council passes the spring budget

The Dunmere council passed its spring budget on Thursday by eleven votes to four.

The budget sets aside 2.3 million crowns for repairs to the Kestrel Bridge, which has been closed to lorries since January.

Council leader Halvard Ness said the bridge repairs would start in May and take most of the summer.
""",
        "",
        _COUNCIL,
    ),
    "politics/budget-autumn.md": _padded(
        """---
title: Dunmere council budget row over bus routes
date: 2004-10-02
author: Ilse Brandvold
section: politics
---
# Dunmere council budget row over bus routes

The Dunmere council argued for four hours over the autumn budget and the future of the town's bus routes.

The autumn budget cut 400,000 crowns from the bus service, and three night routes will end in December.

Councillor Petra Alving said the cuts would leave the northern estates without a bus after nine in the evening.
""",
        "",
        _COUNCIL[::-1],
    ),
    "politics/bridge-april.md": """---
title: Kestrel Bridge repairs begin early
date: 2005-04-19
author: Maren Holt
section: politics
---
# Kestrel Bridge repairs begin early

Repairs to the Kestrel Bridge began on Monday, three weeks earlier than the council had planned.

The council budget pays for new steel cables and a resurfaced deck on the bridge.

Engineers from the Tollund firm expect the bridge to reopen to lorries in August.
""",
    "sport/regatta.md": """---
title: Dunmere rowers take the spring regatta
date: 2005-03-20
author: Kofi Adeyemi
section: sport
---
# Dunmere rowers take the spring regatta

The Dunmere rowing club won the spring regatta on the Vell river on Sunday.

The club's eight finished the course in 6 minutes 41 seconds, two lengths ahead of Oskarby.

Coach Sunniva Lund said the crew had trained on the river every morning since February.
""",
    "business/mill.html": """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Vell paper mill to close after ninety years</title>
<meta property="article:published_time" content="2005-01-15T09:00:00Z">
<meta name="author" content="Tobias Grell">
<meta property="article:section" content="Business">
<meta property="og:site_name" content="Dunmere Courier">
<link rel="canonical" href="https://courier.example/business/mill">
</head><body><article><h1>Vell paper mill to close after ninety years</h1>
<p>The Vell paper mill will close in June after ninety years, its owners said on Friday.</p>
<p>About 220 people work at the mill, which makes paper for the town's printers.</p>
<p>The owners blamed the price of pulp, which has doubled in two years.</p>
</article></body></html>
""",
    "notes/undated.txt": """Bus routes and the council budget

The council budget will decide which bus routes survive the winter, drivers said at a meeting at the depot.

The drivers asked the council to keep the night buses running to the northern estates.
""",
}


@dataclass(frozen=True)
class Dated:
    seeds: Path
    index: Path

    def args(self) -> list[str]:
        """The path options for the CLI."""
        return ["--seeds", str(self.seeds), "--index", str(self.index)]


@pytest.fixture(scope="session", name="dated")
def dated_fixture(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Dated:
    """ARTICLES indexed once per session with the real model."""
    from conftest import write_articles

    from qa.build import build
    from qa.settings import Settings

    root = tmp_path_factory.mktemp("dated")
    seeds = write_articles(root / "seeds", ARTICLES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(model_cache))
        build(Settings(seeds=seeds, index=root / "index"))
    return Dated(seeds, root / "index")
