"""Build the two PDFs of the sixth external blind set from the text kept in this script.

Run from the repo root:  .venv/bin/python tests/qa/external/documents/make_pdf_h6.py

Writes tests/qa/external/documents/heldout6/
  - transformer-and-switchgear-sizing.pdf  (Times: body 10.5 pt, headings 14 pt bold,
    sub-headings 11 pt bold, running header with the short title, "Page N" at the foot)
  - kv-cache-quantization-on-laptops.pdf   (Helvetica: body 11 pt, section headings 12.5 pt
    bold, 8 pt figure and table captions, a bar figure, a table drawn as text rows, centred
    page number at the foot)

The creation date is pinned (and fpdf2 derives the /ID from the content and that date), so
re-running with the same fpdf2 version (2.8.9 here) gives a byte-identical file. Only Latin-1
characters are used, because the PDF core fonts (Times, Helvetica) cannot encode anything else.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

OUT_DIR = Path(__file__).resolve().parent / "heldout6"
CREATED = dt.datetime(2025, 3, 14, 9, 0, 0, tzinfo=dt.UTC)

# Blocks: ("title", text), ("byline", text), ("h", text), ("sh", text), ("p", text),
# ("ul", [items]), ("refs", [items]), plus ("figure", ...), ("table", ...), ("caption", text)
# in the second document.

# --------------------------------------------------------------------------------------------
# Document 1: transformer and switchgear sizing (Times)
# --------------------------------------------------------------------------------------------

DOC1_FILE = "transformer-and-switchgear-sizing.pdf"
DOC1_TITLE = "Transformer and Switchgear Sizing for a Bitcoin Mining Container Site"
DOC1_SHORT = "Transformer and Switchgear Sizing - field note"

DOC1 = [
    ("title", DOC1_TITLE),
    ("byline",
     "A field note for site planners, revised March 2025. The firms, sites and people in the "
     "examples (Caprock Digital, Red Mesa, Bluegrass Hash, Harlan Creek) are illustrative, not "
     "real; the standards cited are paraphrased, not quoted."),
    ("p",
     "A mining container is easy to buy and hard to power. This note follows the chain of "
     "equipment from the utility line to each power supply, shows how to size its two "
     "expensive pieces, the transformer and the low-voltage switchgear, and ends with a worked "
     "example and a cautionary case."),

    ("h", "1. The electrical chain from utility line to hash board"),
    ("p",
     "A containerised site usually takes power at medium voltage, most often 12.47 kV or "
     "34.5 kV in North America, and steps it down to the low voltage the machines accept. "
     "Air-cooled ASICs typically take single-phase power between 200 V and 277 V at each power "
     "supply, while hydro-cooled models are often fed at 380 V to 415 V three-phase. A typical "
     "chain, from the utility side inwards, looks like this:"),
    ("ul", [
        "a revenue meter and a recloser or fused cutout at the point of interconnection, owned "
        "by the utility;",
        "a medium-voltage load-break switch or fuse that isolates the transformer;",
        "a pad-mounted step-down transformer, usually between 2,000 kVA and 3,750 kVA, with a "
        "415/240 V or 480/277 V secondary;",
        "a low-voltage main breaker and switchboard, with one feeder breaker per container;",
        "inside each container, power distribution units (PDUs) with a small breaker for every "
        "machine or pair of machines.",
    ]),
    ("p",
     "Each link has its own rating, and the site can only run as much load as the weakest "
     "link allows. A bigger transformer does nothing for a site whose feeder breakers trip "
     "first."),

    ("h", "2. How much power does one container draw?"),
    ("sh", "Nameplate versus measured draw"),
    ("p",
     "A 40-foot container typically holds between 180 and 210 air-cooled machines. The "
     "starting figure is machines times wall power: 200 machines at 3,500 W make a 700 kW "
     "container. Measured draw is rarely the same. Fans speed "
     "up as the intake air warms, and in the 2024 summer logs of one illustrative Texas "
     "operator a fully loaded container drew about 4 percent more at 35 \u00b0C intake than at "
     "20 \u00b0C. The container also has an auxiliary load of its own, exhaust fans, lighting, "
     "network switches and the controller, which adds roughly 10 to 15 kW."),
    ("sh", "Power factor: why kW is not kVA"),
    ("p",
     "Transformers and much of the switchgear are rated in kilovolt-amperes (kVA), not "
     "kilowatts. The two are linked by the power factor: kVA equals kW divided by the power "
     "factor. Modern ASIC power supplies have active power-factor correction and run at about "
     "0.98 at full load, but the figure slips towards 0.90 when the machines are underclocked "
     "or idling. A 700 kW container at a power factor of 0.95 needs about 737 kVA of capacity. "
     "Planners who divide by 1.0 undersize the transformer by several percent before any other "
     "margin is applied."),

    ("h", "3. How big should the transformer be?"),
    ("sh", "Continuous load"),
    ("p",
     "A mining container runs at full load around the clock, which electrical codes treat as "
     "a continuous load. In the United States the National Electrical Code counts a load as "
     "continuous if it runs for three hours or more, and requires the breakers and conductors "
     "that serve it to be sized at 125 percent of the continuous current. Put the other way "
     "round, a standard breaker should carry no more than 80 percent of its rating. "
     "Transformers are not bound by that same rule, but experienced planners keep a "
     "transformer's load at or below 90 percent of its rating in the hottest month."),
    ("sh", "Ambient temperature and derating"),
    ("p",
     "The kVA rating on a liquid-filled pad-mounted transformer assumes a 24-hour average "
     "ambient of 30 \u00b0C and a peak of 40 \u00b0C. Hotter air means hotter windings and faster "
     "ageing of the paper insulation. A planning rule drawn from the IEEE C57.91 loading guide "
     "is to reduce the continuous load by about 1 percent for every degree by which the 24-hour "
     "average ambient exceeds 30 \u00b0C. At a 38 \u00b0C average, a 2,500 kVA unit should "
     "therefore carry only about 2,300 kVA."),
    ("p",
     "Heat matters more at a mining site than on a residential street. A transformer serving "
     "houses cools off overnight when demand falls; a mining transformer never gets that "
     "night-time rest, because its load is flat for 24 hours a day."),
    ("sh", "Buying one"),
    ("p",
     "Lead times for new pad-mounted transformers in the United States stretched to a year or "
     "more during 2023 and 2024, so many miners bought refurbished units or rented mobile "
     "substations."),

    ("h", "4. Worked example: the Red Mesa pilot (illustrative)"),
    ("p",
     "Caprock Digital, an illustrative operator, planned a 12-container pilot called Red Mesa "
     "in West Texas for 2025. Its electrical lead, Luis Ortega, sized the transformers under "
     "these assumptions:"),
    ("ul", [
        "each container holds 196 machines drawing 3,450 W each at the wall, plus 12 kW of fans "
        "and controls;",
        "the power factor is 0.95 at full load;",
        "the design ambient is a 24-hour average of 36 \u00b0C in July;",
        "four containers share one transformer with a 415/240 V secondary, so the site needs "
        "three transformers.",
    ]),
    ("p",
     "One container draws 196 x 3.45 kW = 676.2 kW, plus 12 kW, or 688.2 kW. Dividing by 0.95 "
     "gives about 724 kVA per container, and four containers come to about 2,898 kVA."),
    ("p",
     "Next comes the derating. A 36 \u00b0C average is 6 degrees above the 30 \u00b0C basis, so "
     "each unit loses about 6 percent of its rating. A 3,000 kVA transformer would be good for "
     "only about 2,820 kVA in July, roughly 3 percent short of the load. Ortega therefore "
     "specified 3,750 kVA units, which derate to about 3,525 kVA; four containers load each "
     "one to about 82 percent of its hot-weather rating."),
    ("p",
     "The same numbers size the low-voltage side. At 415 V three-phase, the current in amperes "
     "is the kVA times 1,000 divided by (1.732 x 415). One container draws about 1,008 A; at "
     "125 percent that becomes 1,260 A, which rules out a 1,200 A feeder breaker, so each "
     "container was given a 1,600 A breaker. Two containers share a 3,000 A switchboard, "
     "because their 2,016 A of load needs about 2,520 A of breaker rating."),

    ("h", "5. Switchgear and fault current"),
    ("p",
     "Switchgear has to survive a short circuit as well as carry the normal load. The fault "
     "current available at the transformer's secondary is set mainly by the transformer's size "
     "and its impedance, stated as a percentage (%Z). A rough figure is the full-load current "
     "divided by the impedance. For a 3,750 kVA unit with 5.75 percent impedance at 415 V, the "
     "full-load current is about 5,217 A, and the bolted fault current can reach about 91 kA "
     "before the utility's own source impedance is counted. Every breaker on that bus "
     "therefore needs an interrupting rating of at least 100 kA, which costs more than the "
     "65 kA gear common in commercial buildings."),
    ("sh", "Breaker types"),
    ("ul", [
        "Molded-case circuit breakers (MCCBs) are used for container feeders and PDUs; they are "
        "compact and cheap but cannot be serviced.",
        "Insulated-case or low-voltage power circuit breakers are used for mains of 3,000 A and "
        "above; they can be drawn out of the switchboard for testing.",
        "Ground-fault protection is required in the United States on solidly grounded wye "
        "services of more than 150 V to ground with a main of 1,000 A or more, which covers "
        "almost every 415/240 V and 480/277 V mining service.",
    ]),
    ("p",
     "High fault current also raises the arc-flash hazard. An arc-flash study under IEEE 1584 "
     "sets the protective clothing required at each panel, and some sites fit remote racking "
     "gear so that nobody stands in front of a large breaker while it is operated."),

    ("h", "6. Why do harmonics matter?"),
    ("p",
     "ASIC power supplies are switch-mode converters that draw a distorted current rather "
     "than a clean sine wave. With active power-factor correction, the total "
     "harmonic distortion of the current is usually under 5 percent at full load, but it can "
     "climb above 15 percent at light load, for example while a site ramps down during "
     "curtailment. Harmonic currents heat a transformer's windings more than its kVA reading "
     "suggests, which is why some mining sites specify K-rated transformers, typically K-4, "
     "instead of a standard unit. Where machines are wired line to neutral, the "
     "third-harmonic currents of the three phases add up in the neutral instead of cancelling, "
     "so the neutral is sized at full phase size or larger."),

    ("h", "7. Cabling and voltage drop"),
    ("p",
     "Low-voltage cable is expensive, so transformers sit as close to the containers as the "
     "fire-separation rules allow, often within 15 m. Planners aim to "
     "keep the voltage drop on a feeder under 2 percent so that the power supplies stay well "
     "inside their input range. Aluminium conductors are common on long feeders because they "
     "cost less than copper for the same capacity, but they need larger sizes and careful "
     "terminations. At Red Mesa each container was fed by four parallel runs of 600 kcmil "
     "aluminium."),
    ("p", "A short maintenance routine catches most connection faults early:"),
    ("ul", [
        "re-torque the lugs to the manufacturer's value after the first month of operation;",
        "scan the terminations with an infrared camera every quarter, comparing the phases with "
        "each other rather than against an absolute limit;",
        "log the transformer's top-oil temperature next to the site's ambient temperature, so "
        "that derating decisions rest on measurements.",
    ]),

    ("h", "8. A cautionary case: Harlan Creek (illustrative)"),
    ("p",
     "Bluegrass Hash, an illustrative operator, ran a six-container site at Harlan Creek in "
     "eastern Kentucky. To add a seventh container in spring 2024, the team loaded its existing "
     "2,500 kVA transformer to about 98 percent of nameplate, because the spring load looked "
     "comfortable. During an August 2024 heat wave, with afternoon "
     "temperatures of 41 \u00b0C, the transformer's top-oil temperature alarm tripped the main "
     "breaker. The site was down for 11 hours, and the site manager, Dana Whitcomb, put the "
     "lost revenue at about $9,000. The insulation later tested sound, but the utility "
     "required a load study before it would re-energise the seventh container."),
    ("p",
     "The lessons are the ones argued above: size for the hottest month, not the month of "
     "installation; count kVA, not kW; and treat the weakest link as the capacity of the "
     "site."),

    ("h", "References"),
    ("refs", [
        "IEEE Std C57.91-2011. Guide for Loading Mineral-Oil-Immersed Transformers and "
        "Step-Voltage Regulators. IEEE, 2012.",
        "NFPA 70: National Electrical Code, 2023 edition (Articles 210, 215, 230 and 450). "
        "National Fire Protection Association.",
        "IEEE Std 1584-2018. Guide for Performing Arc-Flash Hazard Calculations. IEEE, 2018.",
        "IEEE Std 519-2022. Standard for Harmonic Control in Electric Power Systems. IEEE, 2022.",
    ]),
]

# --------------------------------------------------------------------------------------------
# Document 2: KV-cache quantization and context length (Helvetica)
# --------------------------------------------------------------------------------------------

DOC2_FILE = "kv-cache-quantization-on-laptops.pdf"
DOC2_TITLE = "KV-Cache Quantization and Context Length on Laptops"

DOC2 = [
    ("title", DOC2_TITLE),
    ("byline",
     "A practical note for people running local language models, March 2025. The measurements "
     "come from an illustrative single-laptop run by Juniper Bench, a fictional testing group, "
     "and are informal; the memory figures are computed."),
    ("p",
     "A language model running on a laptop needs memory for two things: its weights, which are "
     "fixed, and its key-value cache, which grows with every token of context. Most guides stop "
     "at the weights. This note is about the second item, because it decides how long a "
     "conversation or document the laptop can really handle."),

    ("h", "1. What is the KV cache?"),
    ("p",
     "When a transformer reads a token, each attention layer turns it into a query, a key and "
     "a value. The key and value of every earlier token are needed again each time a new token "
     "is generated, so instead of recomputing them the runtime keeps them in memory. This store "
     "is the key-value cache, or KV cache. It lives for the length of a session and holds one "
     "entry per token per layer. Unlike the weights, its size is not fixed when the model file "
     "is downloaded: it depends on the context length chosen when the model is loaded."),

    ("h", "2. How big the cache gets"),
    ("p", "The size of the cache follows directly from the shape of the model:"),
    ("formula", "bytes per token = 2 x layers x KV heads x head dimension x bytes per element"),
    ("p",
     "The leading 2 counts keys and values. Take Llama 3.1 8B, with 32 layers, 8 key-value "
     "heads and a head dimension of 128. At 16-bit precision each element takes 2 bytes, so "
     "each token costs 2 x 32 x 8 x 128 x 2 = 131,072 bytes, or 128 KiB. A 32,768-token "
     "context therefore needs 4 GiB of cache, and the model's full 131,072-token context needs "
     "16 GiB, more than three times the size of its 4-bit weights file."),
    ("p",
     "Grouped-query attention (GQA) is the reason the figure is not worse. Llama 3.1 8B has 32 "
     "query heads but only 8 key-value heads, each shared by a group of four query heads. "
     "Without that sharing the cache would be four times larger."),
    ("figure", [("4K", 0.5), ("8K", 1.0), ("32K", 4.0), ("128K", 16.0)]),
    ("caption",
     "Figure 1. KV-cache size of Llama 3.1 8B at 16-bit precision against context length, in "
     "GiB (computed from the formula above, not measured)."),

    ("h", "3. A worked memory budget"),
    ("p",
     "How much context fits on an ordinary laptop? Take an illustrative case with these "
     "assumptions:"),
    ("ul", [
        "a MacBook Air with an M3 chip and 16 GB of unified memory;",
        "Llama 3.1 8B with Q4_K_M weights, a file of about 4.9 GB;",
        "about 5 GB taken by macOS, a browser and an editor, plus about 1 GB of runtime buffers;",
        "what is left, roughly 5 GiB, available for the KV cache.",
    ]),
    ("p",
     "At 16-bit the cache costs 128 KiB per token, so 5 GiB holds about 40,000 tokens "
     "(5 x 1,048,576 KiB / 128 KiB = 40,960). With an 8-bit cache each token takes about "
     "68 KiB, and the same budget holds about 77,000 tokens. With a 4-bit cache, at about "
     "36 KiB per token, the budget would hold more than 145,000 tokens, so the model's own "
     "limit of 131,072 tokens, not memory, becomes the ceiling."),
    ("p",
     "In practice macOS also caps how much unified memory the GPU may use, by default around "
     "two thirds to three quarters of the total, so on a 16 GB machine the budget is tighter "
     "than the arithmetic suggests."),

    ("h", "4. Quantizing the cache"),
    ("p",
     "The cache can be stored at lower precision, just as the weights can. The common formats, "
     "named as in llama.cpp, are:"),
    ("ul", [
        "f16: the default, 2 bytes per element;",
        "q8_0: 8-bit values in blocks of 32 with one 16-bit scale per block, about 1.06 bytes "
        "per element, roughly halving the cache;",
        "q4_0: 4-bit values in blocks of 32 with one scale, about 0.56 bytes per element, a "
        "little over a quarter of the default size;",
        "mixed settings, most often 8-bit keys with 4-bit values.",
    ]),
    ("sh", "In llama.cpp"),
    ("p",
     "The options are --cache-type-k and --cache-type-v (short forms -ctk and -ctv). A "
     "quantized value cache works only with flash attention switched on (-fa); without it, "
     "llama.cpp reports an error and does not load the model."),
    ("sh", "In Ollama"),
    ("p",
     "Ollama offers the same feature through the OLLAMA_KV_CACHE_TYPE environment variable, "
     "set to f16, q8_0 or q4_0, and it takes effect only when OLLAMA_FLASH_ATTENTION is set "
     "to 1. The setting applies to every model the server loads rather than to one model at a "
     "time."),

    ("h", "5. What did the Juniper Bench run show?"),
    ("p",
     "In February 2025, Priya Raman of Juniper Bench, an illustrative testing group, ran "
     "Llama 3.1 8B (Q4_K_M) with llama.cpp on a Lenovo ThinkPad T14 Gen 4 with an AMD "
     "Ryzen 7 PRO 7840U and 32 GB of RAM, on the CPU only, on mains power, at a room "
     "temperature of about 22 \u00b0C. Each setting was run once. Cache sizes are computed; "
     "speeds and retrieval counts are measured."),
    ("table", [
        ("Cache (K / V)", "Cache at 32K", "Decode at 2K", "Decode at 32K", "Needles found"),
        ("f16 / f16", "4.0 GiB", "11.8 tok/s", "6.1 tok/s", "20 of 20"),
        ("q8_0 / q8_0", "2.1 GiB", "11.6 tok/s", "6.9 tok/s", "20 of 20"),
        ("q8_0 / q4_0", "1.6 GiB", "11.5 tok/s", "7.2 tok/s", "19 of 20"),
        ("q4_0 / q4_0", "1.1 GiB", "11.3 tok/s", "7.4 tok/s", "16 of 20"),
    ]),
    ("caption",
     "Table 1. Llama 3.1 8B on a ThinkPad T14 Gen 4 (Ryzen 7 PRO 7840U, CPU only), February "
     "2025, single runs. Decode speeds in tokens per second; needles are 20 planted facts in a "
     "30,000-token document."),
    ("p",
     "Two things stand out. First, quantizing the cache barely changed the speed with a short "
     "context but helped at 32K: decoding rose from 6.1 to 7.4 tokens per second with the "
     "fully 4-bit cache, because for every new token the processor has to read the whole cache "
     "from memory, and a smaller cache means less to read. Second, retrieval suffered only at "
     "the bottom of the table: both settings with 8-bit keys found all or nearly all of the "
     "planted facts, while the fully 4-bit cache found 16 of 20. Perplexity on a fixed text "
     "sample moved the same way, rising by under 0.5 percent with q8_0 throughout and by about "
     "3 percent with q4_0 throughout."),

    ("h", "6. Why are keys more fragile than values?"),
    ("p",
     "Several studies, among them KIVI (Liu and colleagues, 2024) and KVQuant (Hooper and "
     "colleagues, 2024), found that keys tolerate quantization worse than values. The reason "
     "lies in what each one does. Keys decide where attention looks: an error in a key changes "
     "the attention scores and can shift weight onto the wrong earlier token. Values only "
     "supply what is read out once attention has chosen, so an error in a value blurs the "
     "result slightly instead of pointing it somewhere else. Keys also contain a few channels "
     "with very large magnitudes, which waste the range of a simple block format. This is why, "
     "when memory is tight, the usual advice is to cut the values to 4-bit first and keep the "
     "keys at 8-bit."),

    ("h", "7. Other ways to stretch the context"),
    ("p", "Quantizing the cache is one tool among several:"),
    ("ul", [
        "Sliding-window attention, used by Mistral 7B with a 4,096-token window, caps the cache "
        "at the window size, at the price of forgetting exact wording further back.",
        "Context shifting drops the oldest tokens once the window is full and keeps the "
        "conversation going; the model loses the start of the chat, often including the system "
        "prompt unless it is pinned.",
        "Summarising old turns replaces a long history with a short digest written by the "
        "model itself.",
        "Prompt caching saves the processed cache of a long, fixed prefix, such as a manual, to "
        "disk, so that it need not be read again in every session.",
        "Retrieval keeps only the relevant passages of a large document in the context instead "
        "of the whole text.",
    ]),

    ("h", "8. Practical settings"),
    ("p",
     "Long context has a time cost as well as a memory cost. Reading the prompt (prefill) gets "
     "slower as the context grows, because each new token attends to all the earlier ones. In "
     "the Juniper Bench run, prefilling the 30,000-token document took about 5 minutes on the "
     "ThinkPad's CPU, against under 10 seconds for a 1,000-token prompt. A few rules of thumb "
     "follow from the sections above:"),
    ("ul", [
        "Set the context length to what the task needs, not to the model's maximum, because "
        "llama.cpp reserves the whole cache when the model is loaded.",
        "Start with q8_0 for both keys and values; the loss is hard to detect and the memory "
        "saving is about half.",
        "If that is still too large, move the values to q4_0 before touching the keys.",
        "Avoid a 4-bit key cache for tasks that depend on finding exact facts in long documents.",
        "Measure again after changing runtime versions, because defaults and kernels change "
        "between releases.",
    ]),

    ("h", "References"),
    ("refs", [
        "Ainslie, J. et al. (2023). GQA: Training Generalized Multi-Query Transformer Models "
        "from Multi-Head Checkpoints. EMNLP 2023.",
        "Hooper, C. et al. (2024). KVQuant: Towards 10 Million Context Length LLM Inference "
        "with KV Cache Quantization. NeurIPS 2024.",
        "Liu, Z. et al. (2024). KIVI: A Tuning-Free Asymmetric 2bit Quantization for KV Cache. "
        "ICML 2024.",
        "llama.cpp documentation, ggml-org on GitHub (command-line and server options), "
        "accessed February 2025.",
    ]),
]


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

class TimesNote(FPDF):
    """A4, Times, running header with the short title, 'Page N' at the foot (right)."""

    FONT = "Times"
    BODY, H, SH, LINE = 10.5, 14, 11, 5.0

    def header(self):
        self.set_font(self.FONT, "I", 9)
        self.set_text_color(70, 70, 70)
        self.set_y(10)
        self.cell(0, 5, DOC1_SHORT, align="L")
        self.set_draw_color(120, 120, 120)
        self.set_line_width(0.2)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(22)

    def footer(self):
        self.set_y(-15)
        self.set_font(self.FONT, "", 9)
        self.cell(0, 8, f"Page {self.page_no()}", align="R")


class HelveticaNote(FPDF):
    """US Letter, Helvetica, no running header, centred page number at the foot."""

    FONT = "Helvetica"
    BODY, H, SH, LINE = 11, 12.5, 11, 5.6

    def footer(self):
        self.set_y(-16)
        self.set_font(self.FONT, "", 9)
        self.cell(0, 8, str(self.page_no()), align="C")


def _keep_room(pdf: FPDF, mm: float) -> None:
    if pdf.get_y() + mm > pdf.page_break_trigger:
        pdf.add_page()


def _bullets(pdf: FPDF, items: list[str], numbered: bool = False) -> None:
    indent = 6
    for n, item in enumerate(items, 1):
        _keep_room(pdf, pdf.LINE * 2)
        y = pdf.get_y()
        if numbered:
            pdf.set_x(pdf.l_margin)
            pdf.cell(indent, pdf.LINE, f"[{n}]")
        else:
            pdf.set_fill_color(0, 0, 0)
            pdf.ellipse(pdf.l_margin + 1.6, y + pdf.LINE / 2 - 0.6, 1.2, 1.2, style="F")
        pdf.set_xy(pdf.l_margin + indent, y)
        pdf.multi_cell(pdf.epw - indent, pdf.LINE, item, align="L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.5)


def _figure(pdf: FPDF, bars: list[tuple[str, float]]) -> None:
    height, top_gap = 38, 4
    _keep_room(pdf, height + 14)
    x0 = pdf.l_margin + 25
    y0 = pdf.get_y() + top_gap
    base = y0 + height
    vmax = max(v for _, v in bars)
    width, gap = 18, 14
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.line(x0 - 4, base, x0 + len(bars) * (width + gap), base)
    pdf.set_font(pdf.FONT, "", 8)
    for i, (label, value) in enumerate(bars):
        x = x0 + i * (width + gap)
        h = height * value / vmax
        pdf.set_fill_color(90, 110, 150)
        pdf.rect(x, base - h, width, h, style="F")
        pdf.set_xy(x - 4, base - h - 4.5)
        pdf.cell(width + 8, 4, f"{value:g} GiB", align="C")
        pdf.set_xy(x - 4, base + 1)
        pdf.cell(width + 8, 4, label, align="C")
    pdf.set_y(base + 6)


def _table(pdf: FPDF, rows: list[tuple[str, ...]]) -> None:
    _keep_room(pdf, 7 * len(rows) + 10)
    widths = (34, 30, 30, 32, 30)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for r, row in enumerate(rows):
        pdf.set_font(pdf.FONT, "B" if r == 0 else "", 9.5)
        border = "TB" if r == 0 else ("B" if r == len(rows) - 1 else "")
        pdf.set_x(pdf.l_margin)
        for w, text in zip(widths, row, strict=True):
            pdf.cell(w, 6.5, text, border=border, align="L")
        pdf.ln(6.5)
    pdf.ln(1)


def render(pdf: FPDF, blocks: list, title: str) -> None:
    pdf.set_creation_date(CREATED)
    pdf.set_title(title)
    pdf.set_author("External evaluation set (illustrative document)")
    pdf.set_lang("en")
    pdf.set_auto_page_break(True, margin=22)
    pdf.add_page()
    for kind, content in blocks:
        if kind == "title":
            pdf.set_font(pdf.FONT, "B", pdf.H + 4)
            pdf.multi_cell(0, (pdf.H + 4) * 0.5, content, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif kind == "byline":
            pdf.set_font(pdf.FONT, "I", pdf.BODY - 1)
            pdf.multi_cell(0, pdf.LINE * 0.95, content, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif kind == "h":
            _keep_room(pdf, 24)
            pdf.ln(3)
            pdf.set_font(pdf.FONT, "B", pdf.H)
            pdf.multi_cell(0, pdf.H * 0.5, content, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif kind == "sh":
            _keep_room(pdf, 18)
            pdf.ln(0.5)
            pdf.set_font(pdf.FONT, "B", pdf.SH)
            pdf.multi_cell(0, pdf.SH * 0.5, content, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
        elif kind == "p":
            pdf.set_font(pdf.FONT, "", pdf.BODY)
            pdf.multi_cell(0, pdf.LINE, content, align=pdf.ALIGN,
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.2)
        elif kind == "formula":
            pdf.set_font("Courier", "", pdf.BODY - 1.5)
            pdf.set_x(pdf.l_margin + 8)
            pdf.multi_cell(pdf.epw - 8, pdf.LINE, content, align="L",
                           new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.2)
        elif kind in ("ul", "refs"):
            pdf.set_font(pdf.FONT, "", pdf.BODY if kind == "ul" else pdf.BODY - 1)
            _bullets(pdf, content, numbered=(kind == "refs"))
        elif kind == "figure":
            _figure(pdf, content)
        elif kind == "table":
            _table(pdf, content)
        elif kind == "caption":
            pdf.set_font(pdf.FONT, "", 8)
            pdf.multi_cell(0, 3.6, content, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        else:
            raise ValueError(kind)


def build_doc1() -> bytes:
    pdf = TimesNote(format="A4", unit="mm")
    pdf.ALIGN = "J"
    pdf.set_margins(22, 22, 22)
    render(pdf, DOC1, DOC1_TITLE)
    return bytes(pdf.output())


def build_doc2() -> bytes:
    pdf = HelveticaNote(format="Letter", unit="mm")
    pdf.ALIGN = "L"
    pdf.set_margins(25, 20, 25)
    render(pdf, DOC2, DOC2_TITLE)
    return bytes(pdf.output())


def plain_text(blocks: list) -> str:
    """The document's words, for counting (table cells and figure labels included)."""
    parts = []
    for kind, content in blocks:
        if kind in ("ul", "refs"):
            parts.extend(content)
        elif kind == "table":
            parts.extend(" ".join(row) for row in content)
        elif kind == "figure":
            parts.extend(f"{label} {value:g} GiB" for label, value in content)
        else:
            parts.append(content)
    return "\n".join(parts)


if __name__ == "__main__":
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, build, blocks in ((DOC1_FILE, build_doc1, DOC1), (DOC2_FILE, build_doc2, DOC2)):
        path = OUT_DIR / name
        path.write_bytes(build())
        print(f"wrote {path} ({len(plain_text(blocks).split())} words)")
