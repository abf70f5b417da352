"""Build documents/heldout/flared-gas-data-centres.docx from the text below.

Run from the repo root:  .venv/bin/python tests/qa/external/documents/make_docx.py

The title is a 'Heading 1' paragraph and each section a 'Heading 2' paragraph, so the app's
DOCX loader builds a heading path from real Word heading styles. Core properties and zip
timestamps are pinned so that re-running the script gives a byte-identical file.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx

OUT = Path(__file__).resolve().parent / "heldout" / "flared-gas-data-centres.docx"

TITLE = "Stranded and Flared Natural Gas as Power for Data Centres"

# (heading, [paragraphs]); a paragraph that starts with "- " becomes a bulleted item.
SECTIONS: list[tuple[str, list[str]]] = [
    ("What is flared gas?", [
        "Oil wells rarely produce only oil. Most also bring up associated natural gas, a mixture "
        "dominated by methane. Where a pipeline is close and has room, that gas is gathered and "
        "sold. Where it is not, producers often have no cheap way to move it, and the gas is "
        "described as stranded. The usual fate of stranded associated gas is flaring: burning it "
        "in an open flame at the top of a stack next to the well pad.",
        "Flaring is preferred to venting because burning methane turns most of it into carbon "
        "dioxide, a much weaker greenhouse gas. Over a 20-year horizon methane traps more than "
        "80 times as much heat as the same mass of carbon dioxide, so releasing it unburned is "
        "far worse for the climate than flaring it.",
    ]),
    ("How much gas is flared worldwide?", [
        "The World Bank tracks flaring from satellite observations through its Global Gas "
        "Flaring Tracker. It estimated that about 139 billion cubic metres of gas were flared in "
        "2022, and that the volume rose to roughly 148 billion cubic metres in 2023, an increase "
        "of about 7 percent. For scale, that is comparable to the annual gas consumption of a "
        "large European economy.",
        "Flaring is concentrated in a handful of producers. In the World Bank's 2023 figures, "
        "nine countries accounted for about three quarters of all gas flared: Russia, Iran, "
        "Iraq, Algeria, Venezuela, the United States, Mexico, Libya and Nigeria. Those same "
        "countries produce less than half of the world's oil, which shows that flaring depends "
        "more on infrastructure and regulation than on output alone.",
        "In 2015 the World Bank launched the Zero Routine Flaring by 2030 initiative, asking "
        "governments and oil companies to stop flaring gas as a matter of routine operations "
        "by the end of this decade. Progress has been slow, and global volumes have not fallen "
        "in a straight line since.",
    ]),
    ("Flares are dirtier than assumed", [
        "Regulators have long assumed that a flare destroys about 98 percent of the methane sent "
        "to it. Field measurements tell a less comfortable story. A 2022 study in the journal "
        "Science, led by Genevieve Plant at the University of Michigan, sampled flares in the "
        "Permian Basin, the Eagle Ford and the Bakken and found an effective destruction "
        "efficiency of only about 91 percent once unlit and poorly burning flares were counted. "
        "The result implied roughly five times more methane escaping from flares in those "
        "basins than official inventories assumed.",
        "That gap is the environmental argument for putting the gas to use in a well-maintained "
        "engine, which burns it far more completely than a flare flickering in the wind.",
    ]),
    ("How gas-to-compute works", [
        "The idea behind gas-to-compute is to bring the electricity consumer to the gas instead "
        "of bringing the gas to a market. A typical deployment has three parts:",
        "- a gas conditioning skid that removes liquids and contaminants from the raw gas;",
        "- reciprocating gas engines or small turbines that drive generators, often in the range "
        "of about 1 MW per unit;",
        "- shipping-container data centres, filled with computers, placed beside the generators "
        "on the well pad.",
        "Because the load is modular, it can be sized to the gas a field actually produces and "
        "moved to another site when a well declines. A gas generator of this kind typically "
        "converts only around 30 to 40 percent of the fuel's energy into electricity; the rest "
        "leaves as heat, which on a remote pad usually has no buyer.",
    ]),
    ("Who does this?", [
        "The best-known company in the field is Crusoe Energy, founded in Denver in 2018 by "
        "Chase Lochmiller and Cully Cavness. Crusoe called its approach Digital Flare "
        "Mitigation and first used the power mainly for bitcoin mining in North Dakota's Bakken "
        "region, later expanding to Wyoming, Colorado and other states. ExxonMobil ran a pilot "
        "with Crusoe in North Dakota in 2022, sending gas that would otherwise have been flared "
        "to generators powering mining containers.",
        "In March 2025 Crusoe sold its bitcoin mining business to NYDIG and shifted its focus "
        "to cloud computing for artificial intelligence. Other firms, including Giga Energy "
        "in Texas and EZ Blockchain, have built similar systems around oil and gas fields.",
    ]),
    ("Why bitcoin mining came first", [
        "Remote well pads are poor places for most computing. They rarely have fibre, the "
        "power supply is only as steady as the well, and staff may visit once a week. Bitcoin "
        "mining tolerates all of this. A miner needs only a thin, low-bandwidth connection to a "
        "pool, it does not care about latency measured in tens of milliseconds, and it can be "
        "switched off at any moment without breaking a customer's service. The hardware is "
        "cheap enough to treat as a consumable.",
        "Artificial intelligence is a harder fit. Training large models needs thousands of "
        "tightly connected accelerators and very high bandwidth between them, and the "
        "hardware is far more expensive per kilowatt than a mining rig. Inference for users "
        "also wants low latency and high availability. For these reasons AI projects linked "
        "to gas tend to sit at larger sites with pipeline gas and fibre, rather than at "
        "individual flare stacks. Crusoe's large AI campus in Abilene, Texas, for example, is "
        "not a flare-gas site.",
    ]),
    ("Stranded gas beyond flares", [
        "Stranded gas is not only a flare problem. In the Permian Basin, pipeline bottlenecks "
        "have repeatedly pushed spot prices at the Waha hub in West Texas below zero, most "
        "visibly during 2024, meaning producers paid others to take their gas. Cheap gas of "
        "that kind is attractive to any large electricity user able to build next to it, "
        "including data centres with their own gas turbines.",
    ]),
    ("Regulation and criticism", [
        "Rules are tightening. North Dakota has set flaring targets for its operators, and in "
        "December 2023 the US Environmental Protection Agency finalised methane rules that "
        "phase out routine flaring of associated gas at new oil wells. Where flaring is "
        "banned, gas-to-compute becomes one compliance option alongside reinjection and new "
        "pipelines.",
        "Critics raise several objections. Burning gas for computing still emits carbon "
        "dioxide; it only avoids the extra methane of a bad flare. A paying customer for "
        "otherwise wasted gas could also make marginal oil wells more profitable and keep them "
        "running longer. Supporters answer that the gas is being burned anyway and that "
        "cleaner combustion is better than none, but the net climate benefit depends heavily "
        "on what would have happened without the project.",
    ]),
]


def build(title: str = TITLE,
          sections: list[tuple[str, list[str]]] | None = None) -> bytes:
    """The document ``title`` with ``sections`` (default: this note's), byte-identical on
    every run."""
    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = "Offgrid QA"
    props.last_modified_by = "Offgrid QA"
    props.revision = 1
    props.created = dt.datetime(2025, 1, 1, 0, 0, 0)
    props.modified = dt.datetime(2025, 1, 1, 0, 0, 0)
    document.add_heading(title, level=1)
    for heading, paragraphs in SECTIONS if sections is None else sections:
        document.add_heading(heading, level=2)
        for text in paragraphs:
            if text.startswith("- "):
                document.add_paragraph(text[2:], style="List Bullet")
            else:
                document.add_paragraph(text)
    raw = io.BytesIO()
    document.save(raw)
    # Re-pack with fixed timestamps so the output is byte-identical on every run.
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            item = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = 0o644 << 16
            dst.writestr(item, src.read(info.filename))
    return fixed.getvalue()


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(build())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
