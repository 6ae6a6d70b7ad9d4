"""The coordinator's flyer: an A4 PDF that brings a street from its WhatsApp group to
Buurtwacht. The buurt's (or team's) name, the QR code of its follow link, "Telegram
installeren" in three steps, the SAAR rules and the numbers 112 / 0900-8844 / 0800-7000, in
the coordinator's language and in Dutch.

Made with reportlab (its own QR code widget: vector, sharp at any print size). Text uses
DejaVu Sans where the system has it (Debian: fonts-dejavu-core), which has every letter of
Turkish and Polish; otherwise reportlab's built-in Helvetica (Latin-1 only). Right-to-left
languages are printed in Dutch only: reportlab does not shape Arabic.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bot.core.i18n import LANGUAGE_NAMES, RTL_LANGUAGES, SOURCE_LANGUAGE, Translator, translator
from bot.outreach.service import FollowPlace

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))
QR_SIZE = 62 * mm
BLUE = colors.HexColor("#1f4e8c")


@dataclass(frozen=True, slots=True)
class Fonts:
    regular: str
    bold: str


@functools.cache
def fonts() -> Fonts:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("BuurtwachtSans", str(regular)))
            pdfmetrics.registerFont(TTFont("BuurtwachtSans-Bold", str(bold)))
            return Fonts("BuurtwachtSans", "BuurtwachtSans-Bold")
    return Fonts("Helvetica", "Helvetica-Bold")


def flyer_languages(language: str) -> list[str]:
    """The coordinator's language first, then Dutch (once; RTL languages: Dutch only)."""
    if language == SOURCE_LANGUAGE or language in RTL_LANGUAGES:
        return [SOURCE_LANGUAGE]
    return [language, SOURCE_LANGUAGE]


@dataclass(frozen=True, slots=True)
class FlyerContent:
    title: str  # "Aalst (Waalre)" or the team's name
    subtitle: str  # the buurten of a team, or the gemeente of a buurt
    link: str


def flyer_filename(place: FollowPlace) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", place.name.lower()).strip("-") or place.target.token.lower()
    return f"buurtwacht-flyer-{slug[:40]}.pdf"


def _styles(base: Fonts, scale: float = 1.0) -> dict[str, ParagraphStyle]:
    """The text styles; ``scale`` > 1 for a one-language flyer, which has the whole width."""

    def z(size: float) -> float:
        return round(size * scale, 1)

    return {
        "title": ParagraphStyle("title", fontName=base.bold, fontSize=24, leading=28, alignment=TA_CENTER,
                                textColor=BLUE),
        "subtitle": ParagraphStyle("subtitle", fontName=base.regular, fontSize=12, leading=15, alignment=TA_CENTER),
        "lead": ParagraphStyle("lead", fontName=base.bold, fontSize=13, leading=16, alignment=TA_CENTER),
        "link": ParagraphStyle("link", fontName=base.regular, fontSize=10, leading=13, alignment=TA_CENTER),
        "head": ParagraphStyle("head", fontName=base.bold, fontSize=z(11.5), leading=z(14), textColor=BLUE,
                               spaceBefore=z(5), spaceAfter=2),
        "body": ParagraphStyle("body", fontName=base.regular, fontSize=z(9.5), leading=z(12), spaceAfter=z(1.5)),
        "lang": ParagraphStyle("lang", fontName=base.bold, fontSize=8, leading=10, textColor=colors.grey),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _column(t: Translator, styles: dict[str, ParagraphStyle], bold: str) -> list[Flowable]:
    def rule(letter: str, text: str) -> Paragraph:
        return Paragraph(f'<font name="{bold}">{letter}</font> — {escape(text)}', styles["body"])

    return [
        _p(LANGUAGE_NAMES.get(t.language, t.language), styles["lang"]),
        _p(t.gettext("Telegram installeren"), styles["head"]),
        _p("1. " + t.gettext("Installeer de gratis app Telegram uit de App Store of Google Play, en meld je aan "
                             "met je telefoonnummer."), styles["body"]),
        _p("2. " + t.gettext("Scan de QR-code met de camera van je telefoon, of open de link eronder."),
           styles["body"]),
        _p("3. " + t.gettext("Tik in Telegram op Start, kies je taal en bevestig dat je 18 jaar of ouder bent en "
                             "hier woont of werkt. Dan krijg je de buurtalarmen en de wekelijkse tip."),
           styles["body"]),
        _p(t.gettext("De spelregels: SAAR"), styles["head"]),
        rule("S", t.gettext("Signaleer: zie je iets verdachts, let goed op.")),
        rule("A", t.gettext("Alarmeer: bel eerst 112 bij een verdachte situatie die nu gebeurt.")),
        rule("A", t.gettext("App: meld het daarna in Buurtwacht met /melding, en zeg of 112 gebeld is.")),
        rule("R", t.gettext("Reageer: kijk uit je raam of loop samen een rondje. Grijp nooit zelf in.")),
        _p(t.gettext("Beschrijf gedrag en kenmerken, nooit afkomst of huidskleur."), styles["body"]),
        _p(t.gettext("Belangrijke nummers"), styles["head"]),
        Paragraph(f'<font name="{bold}">112</font> — {escape(t.gettext("spoed, nu gevaar"))}', styles["body"]),
        Paragraph(f'<font name="{bold}">0900-8844</font> — {escape(t.gettext("politie, geen spoed"))}',
                  styles["body"]),
        Paragraph(f'<font name="{bold}">0800-7000</font> — {escape(t.gettext("Meld Misdaad Anoniem"))}',
                  styles["body"]),
    ]


def render_flyer(content: FlyerContent, language: str) -> bytes:
    """The flyer as PDF bytes: one A4 page."""
    base = fonts()
    languages = flyer_languages(language)
    single = len(languages) == 1
    styles = _styles(base, 1.3 if single else 1.0)
    qr_size = QR_SIZE * (1.3 if single else 1.0)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
                                 bottomMargin=12 * mm, title=f"Buurtwacht — {content.title}", author="Buurtwacht",
                                 subject=content.link)
    qr = QrCodeWidget(content.link, barLevel="M")
    qr.barWidth, qr.barHeight = qr_size, qr_size
    drawing = Drawing(qr_size, qr_size)
    drawing.add(qr)
    drawing.hAlign = "CENTER"
    lead = " · ".join(translator(code).gettext("Volg de buurtpreventie op Telegram") for code in languages)
    story: list[Flowable] = [
        _p("Buurtwacht " + content.title, styles["title"]),
        _p(content.subtitle, styles["subtitle"]),
        Spacer(1, 3 * mm),
        _p(lead, styles["lead"]),
        Spacer(1, 1 * mm),
        drawing,
        _p(content.link, styles["link"]),
        Spacer(1, 3 * mm),
    ]
    columns = [_column(translator(code), styles, base.bold) for code in languages]
    width = A4[0] - 30 * mm
    table = Table([columns], colWidths=[width / len(columns)] * len(columns))
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("LINEBEFORE", (1, 0), (-1, -1), 0.5, colors.lightgrey),
    ]))
    story.append(table)
    story.append(Spacer(1, 3 * mm))
    for code in languages:
        story.append(_p(translator(code).gettext("Bij gevaar of een misdrijf dat nu gebeurt: bel eerst 112."),
                        styles["lead"]))
    document.build(story)
    return buffer.getvalue()
