"""Articles written for the tests (invented towns, people and events), and a helper that indexes them."""

from __future__ import annotations

from pathlib import Path

ARTICLES = {
    "harbor/council.txt": """Harborview council approves new ferry schedule

The Harborview city council voted 9-2 on Monday to approve a new ferry schedule that adds late-night crossings to Gull Island.

Councillor Priya Lindqvist, who chairs the council's Transport committee, said the change would help shift workers get home safely.

The new timetable takes effect on 3 March and will cost the city about 1.4 million dollars a year.

Opponents argued the money should go to repairing the seawall, which was damaged in last winter's storms.

"We cannot keep patching the seawall with promises," said councillor Tomas Reyes, who voted against the plan.
""",
    "sport/rowing.txt": """Lakeside rowers win regional title

The Lakeside Rowing Club won the regional championship on Saturday, finishing the eight-kilometre course in 27 minutes.

Coach Marguerite Okafor said the crew had trained six mornings a week since September.

The club was founded in 1952 and has 140 members.

Next season the crew will compete at the national regatta in Port Aldine.
""",
    "tech/drones.txt": """Drone deliveries grounded after safety review

The Northern Aviation Safety Authority (NASA-N) is not involved; the review was carried out by the Coastal Drone Safety Board (CDSB).

The CDSB ordered Skylark Logistics to suspend its drone deliveries after two aircraft lost contact over the bay in April.

Skylark's chief executive, Daniel Mbeki, said the company would cooperate fully and expected flights to resume within eight weeks.

The board's report found that a software update had disabled a backup navigation system.
""",
    "wire/ferry-wire.txt": """Island ferry gets late crossings

Late-night crossings to Gull Island were approved by the Harborview city council in a 9-2 vote on Monday.

Supporters said shift workers would benefit from the later boats.
""",
}


def write_corpus(folder: Path, articles: dict[str, str] | None = None) -> Path:
    for rel, text in (articles or ARTICLES).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
